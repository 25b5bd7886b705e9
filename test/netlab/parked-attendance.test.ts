import path from 'node:path';
import { expect } from 'chai';
import { needs } from '../support/needs.js';
import { befriend, startLab, type LabFixture, type LabPeer } from '../../tools/netlab/lab-fixture.js';
import { countRendezvousRequests, type RendezvousRequestCounter } from '../../tools/netlab/rendezvous-request-counter.js';

const PARKED = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../extensions/parked');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status {
  friends: Array<{ master_pubkey: string; listening: boolean; next_listen_from_ms: number; last_known: { ipv4: boolean } }>;
  counters: { attendancePolls: number; windowSessions: number };
  now_ms: number;
}

/**
 * IPv4 parked mode with timed rendezvous attendance, on real hosts behind two cone NATs in the
 * namespace lab: Alice has never met Bob directly (no known address), so she leaves a sealed reach
 * note in the room of Bob's window; Bob, who looks into the rendezvous only while a window is
 * open, answers with his address and both punch at the instant the note names. Between Bob's
 * windows the rendezvous host receives nothing from him (counted there).
 */
describe('netlab: parked mode over IPv4 with timed rendezvous attendance', function () {
  this.timeout(300_000);
  let fx: LabFixture;
  let requests: RendezvousRequestCounter;

  needs('nat-lab');
  before(async function () {
    fx = await startLab(['a2', 'b'], { extensions: [PARKED] });
    requests = countRendezvousRequests(fx.lab.rdv.ns);
    await befriend(fx.peers.a2!, fx.peers.b!);
  });
  after(async () => {
    await fx?.teardown();
  });

  const status = async (p: LabPeer) => (await p.proc.api('GET', '/api/connect/parked/status')).body as Status;
  const set = async (p: LabPeer, values: Record<string, unknown>) => {
    for (const [id, value] of Object.entries(values)) {
      const answer = await p.proc.api('PUT', `/api/extensions/parked/settings/${id}`, { value });
      expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 204]);
    }
  };

  it('Alice without a known address reaches Bob in his window through a sealed note; Bob attends only in windows', async () => {
    const [alice, bob] = [fx.peers.a2!, fx.peers.b!];
    const settings = { 'parked.period-ms': 20_000, 'parked.window-ms': 4_000, 'parked.skew-ms': 2_000, 'parked.rendezvous-url': fx.signallingUrl };
    await Promise.all([set(alice, settings), set(bob, settings)]);
    expect((await status(alice)).friends[0]!.last_known.ipv4).to.equal(false);

    // Parked, between two windows: not one request reaches the rendezvous host.
    await set(bob, { 'parked.on': true });
    let s = await status(bob);
    while (s.friends[0]!.listening) {
      await sleep(200);
      s = await status(bob);
    }
    const gapMs = s.friends[0]!.next_listen_from_ms - s.now_ms - 300;
    if (gapMs > 1_000) {
      requests.reset();
      await sleep(gapMs);
      expect(requests.read(), `requests at the rendezvous host in ${gapMs} ms between Bob's windows`).to.equal(0);
    }

    const answer = await alice.proc.api('POST', '/api/connect/parked', { master_pubkey: bob.peer, wait_ms: 60_000 });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.session.path).to.equal('parked-ipv4-attended');
    expect(answer.body.session.remote.address).to.equal(fx.lab.routers.cone2.wan);
    console.log(`      reach with attendance (IPv4, two cone NATs): session ${answer.body.window_to_session_ms} ms after the window opened`);
    const after = await status(bob);
    expect(after.counters.attendancePolls).to.be.greaterThan(0);
    // Now both know each other's address: the next reach needs no rendezvous.
    expect((await status(alice)).friends[0]!.last_known.ipv4).to.equal(true);
  });
});
