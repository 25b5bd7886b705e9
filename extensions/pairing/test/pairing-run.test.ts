import { expect } from 'chai';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceGenerator, cpaceIsk, cpaceStart, randomScalar } from '../src/cpace.js';
import { checkConfirmTag, openBox } from '../src/pairing-box.js';
import { normalizeCode, pairingPassword, type PairingCode } from '../src/pairing-code.js';
import { channelFor, runPairing, type PairingSelf } from '../src/pairing-run.js';
import { decodeRoomMessage, encodeRoomMessage, shareId } from '../src/room-message.js';
import { MemoryRoom } from './memory-room.js';
import { answersTo, guessShare, wrongGuesses } from './room-attacker.js';

function persona(label: string): PairingSelf {
  const peer = bytesToHex(randomBytes(32));
  return {
    card: { peer, peerId: bytesToHex(randomBytes(16)), label },
    // Stands in for ctx.friends.ownX25519PublicKeyFor: deterministic per (self, friend).
    x25519For: (friend) => bytesToHex(sha256(utf8ToBytes(`${peer}/${friend}`))),
  };
}

function pair(room: MemoryRoom, self: PairingSelf, code: PairingCode, extra: { timeoutMs?: number; confirmWaitMs?: number } = {}) {
  return runPairing({
    code,
    room: room.view(),
    self,
    ownerTag: bytesToHex(randomBytes(8)),
    timeoutMs: extra.timeoutMs ?? 5000,
    confirmWaitMs: extra.confirmWaitMs ?? 2000,
    pollMs: 20,
    mismatchGraceMs: 500,
  });
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `count` recorded messages pass `match` (the runs poll every 20 ms). */
async function recordedAtLeast(room: MemoryRoom, count: number, match: (m: ReturnType<typeof decodeRoomMessage>) => boolean) {
  for (let i = 0; i < 500 && room.recorded.map(decodeRoomMessage).filter(match).length < count; i++) await later(10);
  expect(room.recorded.map(decodeRoomMessage).filter(match).length).to.be.at.least(count);
}

describe('pairing run (CPace, one bound share, key confirmation)', () => {
  const code = normalizeCode('37 apple river zebra clock');

  it('pairs two sides with the same code: each gets the other card, key and the same safety code', async () => {
    const room = new MemoryRoom();
    const alice = persona('Alice');
    const bob = persona('Bob');
    const [a, b] = await Promise.all([pair(room, alice, code), pair(room, bob, code)]);
    expect(a.friend.peer).to.equal(bob.card.peer);
    expect(a.friend.peerId).to.equal(bob.card.peerId);
    expect(a.friend.label).to.equal('Bob');
    expect(a.friend.x25519PublicKey).to.equal(bob.x25519For(alice.card.peer));
    expect(b.friend.peer).to.equal(alice.card.peer);
    expect(b.friend.x25519PublicKey).to.equal(alice.x25519For(bob.card.peer));
    expect(a.safetyCode).to.match(/^\d{4} \d{4}$/);
    expect(a.safetyCode).to.equal(b.safetyCode);
  });

  it('sends a card only after the partner’s confirmation arrived, one confirmation per side', async () => {
    const room = new MemoryRoom();
    await Promise.all([pair(room, persona('Alice'), code), pair(room, persona('Bob'), code)]);
    const messages = room.recorded.map(decodeRoomMessage);
    const confirms = messages.filter((m) => m?.t === 'confirm');
    expect(confirms).to.have.length(2);
    for (const [index, message] of messages.entries()) {
      if (message?.t !== 'card') continue;
      const confirmToSender = messages.findIndex((m) => m?.t === 'confirm' && m.to === message.from);
      expect(confirmToSender).to.be.within(0, index - 1);
    }
  });

  it('fails visibly on both sides when the codes differ in a secret word: someone used a wrong code', async () => {
    const room = new MemoryRoom();
    const results = await Promise.allSettled([pair(room, persona('Alice'), code), pair(room, persona('Bob'), normalizeCode('37 apple river zebra drum'))]);
    for (const result of results) {
      expect(result.status).to.equal('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
      expect(error.details.reason).to.equal('wrong-code');
      expect(error.message).to.match(/someone used a wrong code.*start again/i);
    }
    expect(room.recorded.map(decodeRoomMessage).filter((m) => m?.t === 'card')).to.have.length(0);
  });

  it('times out with a clear error when nobody joins', async () => {
    const error = await pair(new MemoryRoom(), persona('Alice'), code, { timeoutMs: 150 }).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_TIMEOUT');
    expect(error.details.reason).to.equal('nobody-joined');
  });

  it('stops at once when cancelled (extension turned off, Kith locked)', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = runPairing({
      code, room: new MemoryRoom().view(), self: persona('Alice'), ownerTag: bytesToHex(randomBytes(8)),
      timeoutMs: 10_000, pollMs: 5_000, signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const error = await running.catch((e) => e);
    expect(error.message).to.match(/cancelled/);
    expect(Date.now() - started).to.be.lessThan(2000);
  });

  it('answers only the oldest of 16 guessing shares, never with a card, and reports the mismatch', async () => {
    const room = new MemoryRoom();
    const attacker = room.view();
    // The right words are the 16th guess: the old run answered all 16 and saved the attacker.
    const shares = [...wrongGuesses(code, 15), code.secretWords.join('-')].map((g) => guessShare(code, g));
    for (const share of shares) await attacker.publish(share.owner, share.blob);
    const error = await pair(room, persona('Victim'), code).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(error.details.reason).to.equal('unconfirmed'); // the attacker kept quiet
    const answers = answersTo(shares, room.recorded);
    expect(answers.guessesTested).to.equal(1);
    expect(answers.answered).to.deep.equal([{ guess: shares[0]!.guess, right: false, kind: 'confirm' }]);
    expect(answers.cards).to.equal(0);
  });

  it('reports a quiet bound partner as a mismatch, never as "nobody joined", even at the deadline', async () => {
    const room = new MemoryRoom();
    const quiet = guessShare(code, wrongGuesses(code, 1)[0]!);
    await room.view().publish(quiet.owner, quiet.blob);
    const error = await pair(room, persona('Victim'), code, { timeoutMs: 600, confirmWaitMs: 60_000 }).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
  });

  it('an attacker racing between the two honest shares gets one guess, and both sides see the failure', async () => {
    const room = new MemoryRoom();
    const alice = pair(room, persona('Alice'), code).catch((e) => e);
    await later(60);
    const share = guessShare(code, wrongGuesses(code, 1)[0]!);
    await room.view().publish(share.owner, share.blob);
    await later(60);
    const bob = await pair(room, persona('Bob'), code).catch((e) => e);
    // Alice bound the attacker's share and sent it her confirmation: the attacker's one guess.
    const toAttacker = room.recorded.map(decodeRoomMessage).find((m) => m?.t === 'confirm' && m.to === share.id);
    expect(toAttacker).to.not.equal(undefined);
    expect(bob.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(bob.details.reason).to.equal('interference');
    const a = await alice;
    expect(a.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(answersTo([share], room.recorded).guessesTested).to.equal(1);
  });

  it('ignores junk that is not a share and shares that come after both sides bound each other', async () => {
    const room = new MemoryRoom();
    const junk = room.view();
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
    await junk.publish('junk-entry-0000001', 'not json');
    await junk.publish('junk-entry-0000002', JSON.stringify({ v: 2, t: 'share', s: 'AAAA' }));
    await junk.publish('junk-entry-0000003', JSON.stringify({ v: 2, t: 'share', s: b64(new Uint8Array(32)) })); // identity
    await junk.publish('junk-entry-0000004', JSON.stringify({ v: 2, t: 'share', s: b64(new Uint8Array(32).fill(0xff)) })); // not an element
    await junk.publish('junk-entry-0000005', JSON.stringify({ v: 1, t: 'share', s: b64(randomBytes(32)) }));
    await junk.publish('junk-entry-0000006', 'x'.repeat(5000));
    const alice = pair(room, persona('Alice'), code);
    const bob = pair(room, persona('Bob'), code);
    await recordedAtLeast(room, 2, (m) => m?.t === 'confirm'); // both bound each other
    const lateShares = wrongGuesses(code, 16).map((g) => guessShare(code, g));
    for (const share of lateShares) await junk.publish(share.owner, share.blob);
    const [a, b] = await Promise.all([alice, bob]);
    expect(a.safetyCode).to.equal(b.safetyCode);
    expect(answersTo(lateShares, room.recorded).guessesTested).to.equal(0);
  });

  it('a forged confirmation under the partner’s id does not end an honest run', async () => {
    const room = new MemoryRoom();
    const alice = pair(room, persona('Alice'), code);
    await later(50);
    const aliceShare = room.recorded.map(decodeRoomMessage).find((m) => m?.t === 'share');
    if (aliceShare?.t !== 'share') throw new Error('no share');
    // Someone who read the room forges "Alice confirms to Bob" before Bob even exists: garbage tag.
    const bobSelf = persona('Bob');
    const bobRun = pair(room, bobSelf, code);
    await recordedAtLeast(room, 2, (m) => m?.t === 'share');
    const bobShare = room.recorded.map(decodeRoomMessage).filter((m) => m?.t === 'share').at(-1);
    if (bobShare?.t !== 'share') throw new Error('no share');
    await room.view().publish('forger-entry-00001', encodeRoomMessage({ t: 'confirm', from: shareId(aliceShare.share), to: shareId(bobShare.share), tag: randomBytes(32) }));
    const [a, b] = await Promise.all([alice, bobRun]);
    expect(a.safetyCode).to.equal(b.safetyCode);
  });

  it('gives an operator who recorded every blob no offline test for a guessed code', async () => {
    const room = new MemoryRoom();
    const alice = persona('Alice');
    const bob = persona('Bob');
    await Promise.all([pair(room, alice, code), pair(room, bob, code)]);

    const messages = room.recorded.map(decodeRoomMessage).filter((m) => m !== null);
    const shares = messages.flatMap((m) => (m.t === 'share' ? [m.share] : []));
    const confirm = messages.find((m) => m.t === 'confirm');
    const card = messages.find((m) => m.t === 'card');
    if (confirm?.t !== 'confirm' || card?.t !== 'card') throw new Error('missing messages');
    expect(shares).to.have.length(2);
    const [shareA, shareB] = shares as [Uint8Array, Uint8Array];
    const [sender, recipient] = shareId(shareA) === confirm.from ? [shareA, shareB] : [shareB, shareA];
    const [cardSender, cardRecipient] = shareId(shareA) === card.from ? [shareA, shareB] : [shareB, shareA];
    const { tag } = confirm;
    const { box } = card;

    // Nothing readable travels: neither the code words nor the labels nor the keys.
    const everything = room.recorded.join('\n');
    for (const secret of [...code.secretWords, 'Alice', 'Bob', alice.card.peer, bob.card.peer]) expect(everything).to.not.include(secret);

    // What an offline attacker can compute for a guess: the generator, their own shares, and
    // every "shared point" that does not need Alice's or Bob's secret scalar.
    const channel = channelFor(code);
    const Point = ristretto255.Point;
    function attackerOpens(guess: PairingCode): boolean {
      const password = pairingPassword(guess);
      const generator = cpaceGenerator(password, channel);
      const a = Point.fromBytes(shareA);
      const b = Point.fromBytes(shareB);
      const attacker = cpaceStart(password, channel, randomScalar());
      const candidates = [
        generator.toBytes(), shareA, shareB, a.add(b).toBytes(), a.subtract(b).toBytes(),
        attacker.finish(shareA).subarray(0, 32), attacker.finish(shareB).subarray(0, 32),
      ];
      const isks = [
        ...candidates.map((k) => cpaceIsk(k, shareA, shareB)),
        attacker.finish(shareA), attacker.finish(shareB),
        // The reference's scheme: a key from the code alone (this is what PAKE removes).
        hkdf(sha256, password, undefined, undefined, 64),
      ];
      return isks.some((isk) => checkConfirmTag(isk, sender, recipient, tag) ||
        openBox(isk, 'card', cardSender, cardRecipient, box) !== null);
    }
    // The right guess fails exactly like a wrong one: the transcript is no oracle.
    expect(attackerOpens(code)).to.equal(false);
    expect(attackerOpens(normalizeCode('37 apple river zebra drum'))).to.equal(false);

    // The honest party with the right code and its own scalar does get the same ISK.
    const honestA = cpaceStart(pairingPassword(code), channel);
    const honestB = cpaceStart(pairingPassword(code), channel);
    expect(bytesToHex(honestA.finish(honestB.share))).to.equal(bytesToHex(honestB.finish(honestA.share)));
    const wrong = cpaceStart(utf8ToBytes('apple-river-zebra-drum'), channel);
    expect(bytesToHex(wrong.finish(honestA.share))).to.not.equal(bytesToHex(honestA.finish(wrong.share)));
  });

  it('refuses invalid and identity shares', () => {
    const party = cpaceStart(pairingPassword(code), utf8ToBytes('c'));
    expect(() => party.finish(new Uint8Array(31))).to.throw(RangeError);
    expect(() => party.finish(new Uint8Array(32))).to.throw(RangeError); // encoding of the identity
    expect(() => party.finish(new Uint8Array(32).fill(0xff))).to.throw(RangeError);
  });
});
