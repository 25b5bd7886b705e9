import { expect } from 'chai';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceGenerator, cpaceIsk, cpaceStart, randomScalar } from '../src/cpace.js';
import { openBox } from '../src/pairing-box.js';
import { normalizeCode, pairingRoom, type PairingCode } from '../src/pairing-code.js';
import { runPairing, type PairingSelf } from '../src/pairing-run.js';
import { decodeRoomMessage } from '../src/room-message.js';
import { MemoryRoom } from './memory-room.js';

function persona(label: string): PairingSelf {
  const peer = bytesToHex(randomBytes(32));
  return {
    card: { peer, peerId: bytesToHex(randomBytes(16)), label },
    // Stands in for ctx.friends.ownX25519PublicKeyFor: deterministic per (self, friend).
    x25519For: (friend) => bytesToHex(sha256(utf8ToBytes(`${peer}/${friend}`))),
  };
}

function pair(room: MemoryRoom, self: PairingSelf, code: PairingCode, extra: { timeoutMs?: number } = {}) {
  return runPairing({
    code,
    room: room.view(),
    self,
    ownerTag: bytesToHex(randomBytes(8)),
    timeoutMs: extra.timeoutMs ?? 5000,
    pollMs: 20,
    mismatchGraceMs: 200,
  });
}

describe('pairing run (CPace over a rendezvous room)', () => {
  const code = normalizeCode('apple river zebra clock');

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

  it('fails clearly on both sides when the codes differ in a secret word', async () => {
    const room = new MemoryRoom();
    const results = await Promise.allSettled([
      pair(room, persona('Alice'), code),
      pair(room, persona('Bob'), normalizeCode('apple river zebra drum')),
    ]);
    for (const result of results) {
      expect(result.status).to.equal('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
      expect(error.message).to.match(/different code/);
    }
  });

  it('times out with a clear error when nobody joins', async () => {
    const error = await pair(new MemoryRoom(), persona('Alice'), code, { timeoutMs: 150 }).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_TIMEOUT');
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

  it('still pairs when strangers pairing with another code share the room, and junk blobs are ignored', async () => {
    const room = new MemoryRoom();
    await room.view().publish('junk-one-1', 'not json');
    await room.view().publish('junk-two-2', JSON.stringify({ v: 1, t: 'share', s: 'AAAA' }));
    const strangerCode = normalizeCode('apple river tiger drum');
    expect(pairingRoom(strangerCode)).to.equal(pairingRoom(code));
    const [a, b, s1, s2] = await Promise.all([
      pair(room, persona('Alice'), code),
      pair(room, persona('Bob'), code),
      pair(room, persona('S1'), strangerCode),
      pair(room, persona('S2'), strangerCode),
    ]);
    expect(a.safetyCode).to.equal(b.safetyCode);
    expect(s1.safetyCode).to.equal(s2.safetyCode);
    expect([a.friend.label, b.friend.label].sort()).to.deep.equal(['Alice', 'Bob']);
    expect([s1.friend.label, s2.friend.label].sort()).to.deep.equal(['S1', 'S2']);
  });

  it('gives an operator who recorded every blob no offline test for a guessed code', async () => {
    const room = new MemoryRoom();
    const alice = persona('Alice');
    const bob = persona('Bob');
    await Promise.all([pair(room, alice, code), pair(room, bob, code)]);

    const messages = room.recorded.map(decodeRoomMessage).filter((m) => m !== null);
    const shares = messages.flatMap((m) => (m.t === 'share' ? [m.share] : []));
    const cards = messages.flatMap((m) => (m.t === 'card' ? [m] : []));
    expect(shares).to.have.length(2);
    expect(cards).to.have.length(2);
    const [shareA, shareB] = shares as [Uint8Array, Uint8Array];
    const card = cards[0]!;
    const [sender, recipient] = bytesToHex(sha256(shareA)).startsWith(card.from) ? [shareA, shareB] : [shareB, shareA];

    // Nothing readable travels: neither the code words nor the labels nor the keys.
    const everything = room.recorded.join('\n');
    for (const secret of [...code.words, 'Alice', 'Bob', alice.card.peer, bob.card.peer]) expect(everything).to.not.include(secret);

    // What an offline attacker can compute for a guess: the generator, their own shares, and
    // every "shared point" that does not need Alice's or Bob's secret scalar.
    const channel = utf8ToBytes(`kith-pair/v1/${pairingRoom(code)}`);
    const Point = ristretto255.Point;
    function attackerOpens(guess: PairingCode): boolean {
      const generator = cpaceGenerator(utf8ToBytes(guess.canonical), channel);
      const a = Point.fromBytes(shareA);
      const b = Point.fromBytes(shareB);
      const attacker = cpaceStart(utf8ToBytes(guess.canonical), channel, randomScalar());
      const candidates = [
        generator.toBytes(), shareA, shareB, a.add(b).toBytes(), a.subtract(b).toBytes(),
        attacker.finish(shareA).subarray(0, 32), attacker.finish(shareB).subarray(0, 32),
      ];
      const isks = [
        ...candidates.map((k) => cpaceIsk(k, shareA, shareB)),
        attacker.finish(shareA), attacker.finish(shareB),
        // The reference's scheme: a key from the code alone (this is what PAKE removes).
        hkdf(sha256, utf8ToBytes(guess.canonical), undefined, undefined, 64),
      ];
      return isks.some((isk) => openBox(isk, 'card', sender, recipient, card.box) !== null);
    }
    // The right guess fails exactly like a wrong one: the transcript is no oracle.
    expect(attackerOpens(code)).to.equal(false);
    expect(attackerOpens(normalizeCode('apple river zebra drum'))).to.equal(false);

    // The honest party with the right code and its own scalar does open it.
    const scalar = randomScalar();
    const honestA = cpaceStart(utf8ToBytes(code.canonical), channel, scalar);
    const honestB = cpaceStart(utf8ToBytes(code.canonical), channel);
    const isk = honestA.finish(honestB.share);
    expect(bytesToHex(isk)).to.equal(bytesToHex(honestB.finish(honestA.share)));
    const wrong = cpaceStart(utf8ToBytes('apple-river-zebra-drum'), channel);
    expect(bytesToHex(wrong.finish(honestA.share))).to.not.equal(bytesToHex(honestA.finish(wrong.share)));
  });

  it('opens the recorded card only with the real ISK of the run', async () => {
    // Drive the two CPace parties by hand, so the test holds both ISKs.
    const channel = utf8ToBytes(`kith-pair/v1/${pairingRoom(code)}`);
    const a = cpaceStart(utf8ToBytes(code.canonical), channel);
    const b = cpaceStart(utf8ToBytes(code.canonical), channel);
    const { sealBox } = await import('../src/pairing-box.js');
    const box = sealBox(a.finish(b.share), 'card', a.share, b.share, utf8ToBytes('card'));
    expect(openBox(b.finish(a.share), 'card', a.share, b.share, box)).to.not.equal(null);
    const wrongB = cpaceStart(utf8ToBytes('apple-river-zebra-drum'), channel);
    expect(openBox(wrongB.finish(a.share), 'card', a.share, wrongB.share, box)).to.equal(null);
  });

  it('refuses invalid and identity shares', () => {
    const party = cpaceStart(utf8ToBytes(code.canonical), utf8ToBytes('c'));
    expect(() => party.finish(new Uint8Array(31))).to.throw(RangeError);
    expect(() => party.finish(new Uint8Array(32))).to.throw(RangeError); // encoding of the identity
    expect(() => party.finish(new Uint8Array(32).fill(0xff))).to.throw(RangeError);
  });
});
