/**
 * The pairing attacks of issue #20, run against real processes: a real rendezvous server on
 * loopback (with a recording proxy standing for its operator), real Kith hosts driven through
 * their HTTP API, and an attacker that talks raw `/r/*` HTTP from its own address and knows the
 * room (the nameplate is public) but not the secret words.
 */
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { confirmTag } from '../src/pairing-box.js';
import { MAX_NAMEPLATE, normalizeCode, pairingRoom, roomForNameplate, type PairingCode } from '../src/pairing-code.js';
import { decodeRoomMessage, encodeRoomMessage, shareId } from '../src/room-message.js';
import { WORD_LIST } from '../src/word-list.js';
import { answersTo, guessShare, wrongGuesses, type GuessShare } from './room-attacker.js';
import { AttackerClient, startOperatorView, startRendezvous, type OperatorView } from './support-rendezvous.js';

type Answer = { status: number; body: any };

async function call(host: TestHost, method: string, route: string, body?: unknown): Promise<Answer> {
  const res = await host.fetch(`/api${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * An active attacker in one room: it publishes its guessing shares, watches the room, answers
 * every other share with a confirmation from each of its shares (as if each guess were right)
 * and keeps every blob it saw, to count afterwards which guesses the victim let it test.
 */
class RoomAttack {
  readonly seen = new Set<string>();
  private readonly answered = new Set<string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly client: AttackerClient, readonly room: string, readonly shares: GuessShare[] = []) {
    this.loop = this.watch();
  }

  async publishShare(share: GuessShare): Promise<void> {
    this.shares.push(share);
    expect(await this.client.publish(this.room, share.blob, share.owner)).to.equal(200);
  }

  /** Wait until a share that is not the attacker's shows up (the victim's). */
  async victimShares(count = 1): Promise<void> {
    for (let i = 0; i < 200 && this.others().length < count; i++) await later(50);
    expect(this.others().length).to.be.at.least(count);
  }

  /** Wait until `count` confirmations between shares that are not the attacker's are in the room. */
  async honestConfirmations(count: number): Promise<void> {
    const ours = new Set(this.shares.map((s) => s.id));
    const confirms = () => [...this.seen].map(decodeRoomMessage).filter((m) => m?.t === 'confirm' && !ours.has(m.from)).length;
    for (let i = 0; i < 200 && confirms() < count; i++) await later(50);
    expect(confirms()).to.be.at.least(count);
  }

  private others(): Uint8Array[] {
    const ours = new Set(this.shares.map((s) => s.id));
    return [...this.seen].map(decodeRoomMessage).flatMap((m) => (m?.t === 'share' && !ours.has(shareId(m.share)) ? [m.share] : []));
  }

  private async watch(): Promise<void> {
    while (this.running) {
      for (const blob of await this.client.fetch(this.room).catch(() => [])) this.seen.add(blob);
      for (const victim of this.others()) {
        for (const share of this.shares) {
          const key = `${share.id}/${shareId(victim)}`;
          if (this.answered.has(key)) continue;
          this.answered.add(key);
          const tag = confirmTag(share.party.finish(victim), share.party.share, victim);
          await this.client.publish(this.room, encodeRoomMessage({ t: 'confirm', from: share.id, to: shareId(victim), tag }), `${share.owner}-c`);
        }
      }
      await later(100);
    }
  }

  async stop() {
    this.running = false;
    await this.loop;
    return answersTo(this.shares, [...this.seen]);
  }
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pairing attacks against real hosts and a real rendezvous (issue #20)', function () {
  this.timeout(180_000);
  let rendezvous: Awaited<ReturnType<typeof startRendezvous>>;
  let operator: OperatorView;
  let attacker: AttackerClient;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    rendezvous = await startRendezvous();
    operator = await startOperatorView(rendezvous.url);
    attacker = new AttackerClient(rendezvous.url);
    [alice, bob] = await Promise.all([startTestHost({ extensions: [], builtin: true }), startTestHost({ extensions: [], builtin: true })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
  });

  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await operator?.close();
    await rendezvous?.close();
  });

  const newCode = async (host: TestHost): Promise<PairingCode> => {
    const start = await call(host, 'POST', '/pair/start', { rendezvous_url: operator.url, label: 'friend' });
    expect(start.status).to.equal(200);
    return normalizeCode(start.body.code);
  };
  const wait = (host: TestHost, code: string, label: string) =>
    call(host, 'POST', '/pair/wait', { rendezvous_url: operator.url, code, label, timeout_ms: 30_000 });
  const friends = async (host: TestHost) => (await call(host, 'GET', '/friends')).body as any[];
  /** What one host published into a room, as the operator recorded it, by message type. */
  const publishedTypes = (room: string) =>
    operator.requests
      .filter((r) => r.method === 'POST' && r.path === '/r/publish' && JSON.parse(r.body).room === room)
      .map((r) => decodeRoomMessage(JSON.parse(r.body).blob)?.t);

  it('16 guesses in one run are impossible: a lone victim answers one share, sends no card, and sees a mismatch', async () => {
    const code = await newCode(alice);
    // Fifteen wrong guesses, then the right words: the old run answered all 16 and saved the attacker.
    const guesses = [...wrongGuesses(code, 15), code.secretWords.join('-')];
    const attack = new RoomAttack(attacker, pairingRoom(code));
    for (const guess of guesses) await attack.publishShare(guessShare(code, guess));

    const answer = await wait(alice, code.canonical, 'Bob');
    const result = await attack.stop();

    expect(answer.status).to.equal(409);
    expect(answer.body.error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(answer.body.error.details.reason).to.equal('wrong-code');
    expect(answer.body.error.message).to.match(/someone used a wrong code.*start again/i);
    expect(result.guessesTested).to.equal(1);
    expect(result.answered).to.deep.equal([{ guess: guesses[0], right: false, kind: 'confirm' }]);
    expect(result.cards).to.equal(0);
    expect(await friends(alice)).to.deep.equal([]);
    expect(publishedTypes(pairingRoom(code))).to.deep.equal(['share', 'confirm']);

    // The code is spent: retrying it cannot hand the attacker a second guess.
    const again = await wait(alice, code.canonical, 'Bob');
    expect(again.status).to.equal(409);
    expect(again.body.error.details.reason).to.equal('code-spent');
  });

  it('an attacker racing into an honest pairing gets one guess, and both people see the failure', async () => {
    const code = await newCode(alice);
    const attack = new RoomAttack(attacker, pairingRoom(code));
    const aliceWait = wait(alice, code.canonical, 'Bob');
    await attack.victimShares(1);
    await attack.publishShare(guessShare(code, wrongGuesses(code, 1)[0]!));
    await later(300);
    const [a, b] = await Promise.all([aliceWait, wait(bob, code.canonical, 'Alice')]);
    const result = await attack.stop();

    expect(a.status).to.equal(409);
    expect(a.body.error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(a.body.error.details.reason).to.equal('wrong-code');
    expect(b.status).to.equal(409);
    expect(b.body.error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
    expect(b.body.error.details.reason).to.equal('interference');
    expect(result.guessesTested).to.equal(1);
    expect(result.cards).to.equal(0);
    expect(await friends(alice)).to.deep.equal([]);
    expect(await friends(bob)).to.deep.equal([]);
  });

  it('junk does not stop an honest pair: camped rooms are skipped, malformed shares ignored', async () => {
    const firstRequest = operator.requests.length;
    // Camp a well-formed share in every short room before any code exists.
    const probe = normalizeCode('1 apple apple apple apple');
    for (let n = 1; n <= 99; n++) {
      const share = guessShare(probe, `guess-${n}`);
      const status = await attacker.publish(roomForNameplate('typed', String(n)), share.blob, share.owner);
      // 429: the room already holds the attacker's quota of shares from an earlier test (camped anyway).
      expect(status).to.be.oneOf([200, 429]);
    }
    const code = await newCode(alice);
    expect(Number(code.nameplate)).to.be.within(100, MAX_NAMEPLATE);

    // Junk published into the chosen room before either side waits: none of it is a bindable share.
    const room = pairingRoom(code);
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
    const junk = [
      'not json', '{}', '[]', JSON.stringify({ v: 2, t: 'share', s: 'AAAA' }),
      JSON.stringify({ v: 2, t: 'share', s: b64(new Uint8Array(32)) }), // the identity element
      JSON.stringify({ v: 2, t: 'share', s: b64(new Uint8Array(32).fill(0xff)) }), // not an element
      JSON.stringify({ v: 2, t: 'share', s: b64(new Uint8Array(64).fill(7)) }),
      JSON.stringify({ v: 1, t: 'share', s: guessShare(code, 'x').blob }),
      JSON.stringify({ v: 2, t: 'share', s: 42 }), JSON.stringify({ v: 2, t: 'share', s: '!!!' }),
      JSON.stringify({ v: 2, t: 'confirm', f: 'zz', r: 'zz', b: 'AA' }), JSON.stringify({ v: 2, t: 'card', f: '0'.repeat(16), r: '0'.repeat(16), b: '' }),
      'x'.repeat(5000), JSON.stringify({ v: 3, t: 'share', s: guessShare(code, 'y').blob }), 'null', '"share"',
    ];
    for (const [i, blob] of junk.entries()) expect(await attacker.publish(room, blob, `junk-${i}-${bytesToHex(sha256(utf8ToBytes(blob))).slice(0, 20)}`)).to.equal(200);

    const [a, b] = await Promise.all([wait(alice, code.canonical, 'Bob'), wait(bob, code.canonical, 'Alice')]);
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(b.status, JSON.stringify(b.body)).to.equal(200);
    expect(a.body.safety_code).to.equal(b.body.safety_code);
    expect((await friends(alice)).map((f) => f.label)).to.deep.equal(['Bob']);
    // The answer is the saved friend's row, as the reference's clients read it, and Kith's `friend` the same.
    expect(a.body).to.deep.include((await friends(alice))[0]);
    expect(a.body.friend).to.deep.equal((await friends(alice))[0]);
    // Nothing the hosts published went to a camped room.
    const camps = new Set(Array.from({ length: 99 }, (_, i) => roomForNameplate('typed', String(i + 1))));
    const published = operator.requests.slice(firstRequest).filter((r) => r.path === '/r/publish').map((r) => JSON.parse(r.body).room);
    expect(published.filter((r) => camps.has(r))).to.deep.equal([]);
  });

  it('an honest pair that succeeds gave an attacker arriving after them no guess at all', async () => {
    const code = await newCode(alice);
    const attack = new RoomAttack(attacker, pairingRoom(code));
    const both = Promise.all([wait(alice, code.canonical, 'Bob'), wait(bob, code.canonical, 'Alice')]);
    await attack.honestConfirmations(2); // both runs have bound their share: the room is closed to others
    for (const guess of wrongGuesses(code, 16)) await attack.publishShare(guessShare(code, guess));
    const [a, b] = await both;
    const result = await attack.stop();
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(b.status, JSON.stringify(b.body)).to.equal(200);
    expect(a.body.safety_code).to.equal(b.body.safety_code);
    // The old run answered every share in the room: 16 silent guesses against each side.
    expect(result.guessesTested).to.equal(0);
  });

  it('the room name gives away the number, not a bit of the words', async () => {
    const code = await newCode(alice);
    const [a, b] = await Promise.all([wait(alice, code.canonical, 'Bob'), wait(bob, code.canonical, 'Alice')]);
    expect(a.status).to.equal(200);
    expect(b.status).to.equal(200);

    // Every room the operator saw in this pairing, from publish bodies and fetch paths.
    const rooms = new Set<string>();
    for (const r of operator.requests) {
      if (r.path === '/r/publish') rooms.add(JSON.parse(r.body).room);
      const fetched = /^\/r\/fetch\/([0-9a-f]{64})/.exec(r.path);
      if (fetched) rooms.add(fetched[1]!);
    }
    expect(rooms.has(pairingRoom(code))).to.equal(true);

    // The operator's inversion: all it can find is a number (999 tries). The old room, a hash of
    // the first two words, fell to 65 536 tries; no pair of words hashes to any room seen now.
    const byNumber = new Map(Array.from({ length: MAX_NAMEPLATE }, (_, i) => [roomForNameplate('typed', String(i + 1)), i + 1]));
    expect(byNumber.get(pairingRoom(code))).to.equal(Number(code.nameplate));
    const started = Date.now();
    let wordHits = 0;
    for (const w1 of WORD_LIST) {
      for (const w2 of WORD_LIST) {
        for (const text of [`kith-pair/v1/room/4/${w1}-${w2}`, `kith-pair/v2/room/typed/${w1}-${w2}`]) {
          if (rooms.has(bytesToHex(sha256(utf8ToBytes(text))))) wordHits++;
        }
      }
    }
    expect(wordHits).to.equal(0);
    expect(Date.now() - started).to.be.lessThan(60_000);
    // The room is the same for every choice of words under this number: it carries none of them.
    const otherWords = normalizeCode(`${code.nameplate} ${WORD_LIST.slice(0, 4).join(' ')}`);
    expect(pairingRoom(otherWords)).to.equal(pairingRoom(code));
    // And the words never travel in any request.
    const everything = operator.requests.map((r) => `${r.path}\n${r.body}`).join('\n');
    expect(everything).to.not.include(code.secretWords.join('-'));
    expect(everything).to.not.include(code.canonical);
  });

  it('an invite gives no more: the inviter answers one of 16 guessing shares and reports the mismatch', async () => {
    const invite = await call(alice, 'POST', '/pair/invite', { rendezvous_url: operator.url });
    expect(invite.status).to.equal(200);
    const code = normalizeCode(invite.body.code);
    expect(code.secretWords).to.have.length(8);
    // Worst case: the attacker knows the room words (they name the room), not the 8 secret ones.
    const attack = new RoomAttack(attacker, pairingRoom(code));
    for (const guess of wrongGuesses(code, 16)) await attack.publishShare(guessShare(code, guess));
    const answer = await call(alice, 'POST', '/pair/wait', { rendezvous_url: operator.url, code: invite.body.code, timeout_ms: 30_000 });
    const result = await attack.stop();
    expect(answer.status).to.equal(409);
    expect(answer.body.error.details.reason).to.equal('wrong-code');
    expect(result.guessesTested).to.equal(1);
    expect(result.cards).to.equal(0);
  });
  // Last: it fills every typed room, which the cases above must not meet.
  it('junk camped in all 999 typed rooms does not stop a new code: only a bindable share makes a room busy', async () => {
    // A squatter of its own address (fresh quotas; the short rooms also hold the bindable shares
    // camped by the case above, so they stay busy and the new code gets a long number).
    const squatter = new AttackerClient(rendezvous.url, '127.0.0.3');
    const junk = ['x', JSON.stringify({ v: 2, t: 'share', s: Buffer.alloc(32).toString('base64url') })]; // garbage; the identity element
    for (let n = 1; n <= MAX_NAMEPLATE; n++) {
      const publish = () => squatter.publish(roomForNameplate('typed', String(n)), junk[n % 2]!, `squatter-owner-${String(n).padStart(4, '0')}`);
      let status = await publish();
      // The source's token bucket (600 at once, then 60/s) paces the camping; it does not stop it.
      while (status === 429) status = await later(50).then(publish);
      expect(status, `room ${n}`).to.equal(200);
    }
    const code = await newCode(alice);
    expect(await squatter.fetch(pairingRoom(code))).to.include(junk[Number(code.nameplate) % 2]);
    const [a, b] = await Promise.all([wait(alice, code.canonical, 'Bob2'), wait(bob, code.canonical, 'Alice2')]);
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(b.status, JSON.stringify(b.body)).to.equal(200);
    expect(a.body.safety_code).to.equal(b.body.safety_code);
  });
});
