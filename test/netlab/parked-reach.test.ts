import path from 'node:path';
import { expect } from 'chai';
import { needs } from '../support/needs.js';
import { befriend, punchAt, startLab, type LabFixture, type LabPeer } from '../../tools/netlab/lab-fixture.js';
import { countRendezvousRequests, type RendezvousRequestCounter } from '../../tools/netlab/rendezvous-request-counter.js';
import { probeFrom } from '../../tools/netlab/udp-probe.js';

const PARKED = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../extensions/parked');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Short windows so the lab finishes in seconds: one 4 s window every 20 s, ±2 s of skew. */
const SHORT = { 'parked.period-ms': 20_000, 'parked.window-ms': 4_000, 'parked.skew-ms': 2_000 };

interface WindowJson { start_ms: number; end_ms: number; opens_in_ms: number; ports: number[] }
interface Status {
  parked: boolean;
  friends: Array<{ master_pubkey: string; current_window: WindowJson | null; next_window: WindowJson; listening: boolean; session: boolean; last_known: { ipv4: boolean; ipv6: boolean } }>;
  counters: { wakeups: number; windowSessions: number; rendezvousRequests: number };
  now_ms: number;
  window_datagrams: { accepted: number; rejected: number; reasons: Record<string, number> };
}

/**
 * Parked mode on real hosts in the namespace NAT lab: Bob parked behind an IPv6 stateful firewall
 * and behind a cone IPv4 NAT is reached in his next window with no request to the rendezvous host
 * (counted there by nftables); a scan of his window port and a stranger's handshake get no reply
 * (the stranger is counted); ±60 s of clock skew between the two hosts still connects.
 */
describe('netlab: parked mode', function () {
  this.timeout(600_000);
  let fx: LabFixture;
  let requests: RendezvousRequestCounter;
  const peer = (role: 'a' | 'b' | 'v1' | 'v2' | 'pub'): LabPeer => fx.peers[role]!;

  needs('nat-lab');
  before(async function () {
    fx = await startLab(['a', 'b', 'v1', 'v2', 'pub'], { extensions: [PARKED] });
    requests = countRendezvousRequests(fx.lab.rdv.ns);
    await befriend(peer('v1'), peer('v2'));
    await befriend(peer('a'), peer('b'));
    await befriend(peer('pub'), peer('v1'));
  });
  after(async () => {
    await fx?.teardown();
  });

  const status = async (p: LabPeer): Promise<Status> => {
    const answer = await p.proc.api('GET', '/api/connect/parked/status');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as Status;
  };
  const set = async (p: LabPeer, values: Record<string, unknown>) => {
    for (const [id, value] of Object.entries(values)) {
      const answer = await p.proc.api('PUT', `/api/extensions/parked/settings/${id}`, { value });
      expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 204]);
    }
  };
  const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  /** A first session the ordinary way (both fire /api/connect), so each side learns the other's address; then closed and forgotten by the routers. */
  async function meetOnce(x: LabPeer, y: LabPeer, family: 'ipv4' | 'ipv6') {
    const discover = async (p: LabPeer) => (await p.proc.api('GET', '/api/discovery')).body as Record<'ipv4' | 'ipv6', { address: string; port: number } | null>;
    const [dx, dy] = await Promise.all([discover(x), discover(y)]);
    const at = punchAt();
    const url = family === 'ipv6' ? fx.rendezvousUrl6 : fx.rendezvousUrl;
    const [rx, ry] = await Promise.all([
      x.proc.api('POST', '/api/connect', { peer: y.peer, rendezvous_url: url, punch_at_ms: at, [family]: dy[family] }),
      y.proc.api('POST', '/api/connect', { peer: x.peer, rendezvous_url: url, punch_at_ms: at, [family]: dx[family] }),
    ]);
    expect(rx.status, JSON.stringify(rx.body)).to.equal(200);
    expect(ry.status, JSON.stringify(ry.body)).to.equal(200);
    await until('both know the other', async () => {
      const [sx, sy] = await Promise.all([status(x), status(y)]);
      return sx.friends.find((f) => f.master_pubkey === y.peer)!.last_known[family] && sy.friends.find((f) => f.master_pubkey === x.peer)!.last_known[family];
    });
    await closeAndForget(x, y);
  }

  async function closeAndForget(x: LabPeer, y: LabPeer) {
    await x.proc.api('DELETE', `/api/sessions/${y.peerId}`);
    await until('no session', async () => !(await status(y)).friends.find((f) => f.master_pubkey === x.peer)!.session);
    fx.lab.flushConntrack();
  }

  /** Alice reaches parked Bob in his next window; the rendezvous host sees nothing meanwhile. */
  async function reach(alice: LabPeer, bob: LabPeer) {
    const before = await status(bob);
    requests.reset();
    const answer = await alice.proc.api('POST', '/api/connect/parked', { master_pubkey: bob.peer, wait_ms: 120_000 });
    const rendezvousRequests = requests.read();
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    await until('Bob counts the window session', async () => (await status(bob)).counters.windowSessions > before.counters.windowSessions);
    return { body: answer.body as { session: { path: string; remote: { address: string } }; window_to_session_ms: number }, rendezvousRequests };
  }

  it('IPv6: Bob parked behind a stateful firewall is reached in his next window, zero rendezvous requests', async () => {
    const [alice, bob] = [peer('v1'), peer('v2')];
    requests.reset();
    await meetOnce(alice, bob, 'ipv6');
    // The counter does see requests: the ordinary connect read the rendezvous clock.
    expect(requests.read(), 'requests counted while connecting the ordinary way').to.be.greaterThan(0);
    await Promise.all([set(alice, SHORT), set(bob, SHORT)]);
    await set(bob, { 'parked.on': true });
    const { body, rendezvousRequests } = await reach(alice, bob);
    expect(body.session.path).to.equal('parked-ipv6');
    expect(body.session.remote.address).to.equal('2001:db8:2::2');
    expect(rendezvousRequests, 'requests at the rendezvous host during the attempt').to.equal(0);
    console.log(`      window open → session open (IPv6, two stateful firewalls): ${body.window_to_session_ms} ms`);
    expect(body.window_to_session_ms).to.be.lessThan(1_000);
    await closeAndForget(alice, bob);
  });

  it('IPv4: Bob parked behind a cone NAT is reached at his last known public address, zero rendezvous requests', async () => {
    const [alice, bob] = [peer('a'), peer('b')];
    await meetOnce(alice, bob, 'ipv4');
    await Promise.all([set(alice, SHORT), set(bob, SHORT)]);
    await set(bob, { 'parked.on': true });
    const { body, rendezvousRequests } = await reach(alice, bob);
    expect(body.session.path).to.equal('parked-ipv4');
    expect(body.session.remote.address).to.equal(fx.lab.routers.cone2.wan);
    expect(rendezvousRequests).to.equal(0);
    console.log(`      window open → session open (IPv4, two cone NATs): ${body.window_to_session_ms} ms`);
    expect(body.window_to_session_ms).to.be.lessThan(1_000);
    await closeAndForget(alice, bob);
  });

  it('a port scan of the window port gets no answer; a stranger\'s handshake in the window is dropped and counted', async () => {
    const bob = peer('pub');
    const stranger = peer('a');
    await set(bob, { ...SHORT, 'parked.on': true });
    // Inside the window itself (not its skew margins): the port stays bound at least skewMs longer than the probe needs.
    let row: Status['friends'][number] | undefined;
    await until('pub inside its window for v1', async () => {
      const now = await status(bob);
      row = now.friends.find((f) => f.master_pubkey === peer('v1').peer && f.listening && f.current_window !== null && f.current_window.end_ms - now.now_ms > 2_500);
      return row !== undefined;
    }, 30_000);
    const port = row!.current_window!.ports[0]!;
    const control = port === 65_000 ? 65_001 : 65_000;
    const answers = await probeFrom(fx.lab.hosts.a.ns, fx.lab.hosts.pub.ipv4!, [port, control], 800);
    const window = answers.find((a) => a.port === port)!;
    expect(window.replies, 'datagrams back from the window port').to.equal(0);
    expect(window.refused, 'ICMP back from the window port').to.equal(false);
    // The scanner does see answers where there are some: a closed port refuses.
    expect(answers.find((a) => a.port === control)!.refused).to.equal(true);

    // A stranger (it saved Bob's card; Bob never saved its) sends real Noise KK HELLOs to the window port.
    await stranger.proc.call('befriend', { card: await bob.proc.call('card', { forPeer: stranger.peer }) });
    const rejectedBefore = (await status(bob)).window_datagrams.reasons['hello-unknown-peer'] ?? 0;
    const tried = await stranger.proc.api('POST', '/api/connect', {
      peer: bob.peer, rendezvous_url: fx.rendezvousUrl, punch_at_ms: punchAt(200), ipv4: { address: fx.lab.hosts.pub.ipv4, port },
    });
    expect(tried.status).to.not.equal(200);
    const after = await status(bob);
    expect(after.window_datagrams.reasons['hello-unknown-peer'] ?? 0, JSON.stringify(after.window_datagrams)).to.be.greaterThan(rejectedBefore);
    expect(after.friends.every((f) => !f.session)).to.equal(true);
    await set(bob, { 'parked.on': false });
  });

  it('control: with only ±2 s of skew tolerated, Bob\'s clock 60 s ahead makes the reach miss', async () => {
    const [alice, bob] = [peer('v1'), peer('v2')];
    await Promise.all([set(alice, SHORT), set(bob, { ...SHORT, 'parked.clock-offset-ms': 60_000 })]);
    await set(bob, { 'parked.on': true });
    await sleep(500);
    const answer = await alice.proc.api('POST', '/api/connect/parked', { master_pubkey: bob.peer, wait_ms: 120_000 });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(504);
    expect(answer.body.error.code).to.equal('KITH_ERR_PEER_UNREACHABLE');
    await set(bob, { 'parked.clock-offset-ms': 0, 'parked.on': false });
  });

  for (const skew of [60_000, -60_000]) {
    it(`connects with Bob's clock ${skew > 0 ? 'ahead' : 'behind'} by 60 s`, async () => {
      const [alice, bob] = [peer('v1'), peer('v2')];
      const skewed = { 'parked.period-ms': 30_000, 'parked.window-ms': 5_000, 'parked.skew-ms': 70_000 };
      await Promise.all([set(alice, skewed), set(bob, { ...skewed, 'parked.clock-offset-ms': skew })]);
      await set(bob, { 'parked.on': true });
      await sleep(500);
      const { body, rendezvousRequests } = await reach(alice, bob);
      expect(body.session.path).to.equal('parked-ipv6');
      expect(rendezvousRequests).to.equal(0);
      console.log(`      skew ${skew / 1000} s: window open → session open ${body.window_to_session_ms} ms`);
      await closeAndForget(alice, bob);
      await set(bob, { 'parked.clock-offset-ms': 0 });
    });
  }
});
