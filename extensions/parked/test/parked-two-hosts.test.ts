/**
 * Parked mode between two real hosts on this machine (separate processes, real UDP, real SQLite):
 * both derive the same windows from their friend key, the parked side listens only in them, and the
 * reaching side opens a session in the window from the last known address, with no rendezvous.
 * Firewalls and NATs are the NAT lab's part (test/netlab/parked-*.test.ts).
 */
import dgram from 'node:dgram';
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

interface WindowJson { start_ms: number; end_ms: number; opens_in_ms: number; ports: number[] }
interface FriendStatus { master_pubkey: string; current_window: WindowJson | null; next_window: WindowJson; listening: boolean; last_known: { ipv4: boolean; ipv6: boolean }; session: boolean }
interface Status { parked: boolean; friends: FriendStatus[]; counters: { wakeups: number; windowSessions: number } }

const SHORT = { 'parked.period-ms': 12_000, 'parked.window-ms': 3_000, 'parked.skew-ms': 1_500 };

describe('parked between two hosts', function () {
  this.timeout(180_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const status = (h: TestHost) => h.request<Status>('GET', '/connect/parked/status');
  const set = async (h: TestHost, values: Record<string, unknown>) => {
    for (const [id, value] of Object.entries(values)) await h.request('PUT', `/extensions/parked/settings/${id}`, { value });
  };

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
    await set(alice, SHORT);
    await set(bob, SHORT);
  });
  after(async () => net?.close());

  it('derives the same windows on both sides, from the friendship key alone', async () => {
    const [a, b] = await Promise.all([status(alice), status(bob)]);
    const bobAtAlice = a.friends.find((f) => f.master_pubkey === key(bob))!;
    const aliceAtBob = b.friends.find((f) => f.master_pubkey === key(alice))!;
    expect(bobAtAlice.next_window.start_ms).to.equal(aliceAtBob.next_window.start_ms);
    expect(bobAtAlice.next_window.ports).to.deep.equal(aliceAtBob.next_window.ports);
    expect(bobAtAlice.next_window.end_ms - bobAtAlice.next_window.start_ms).to.equal(3_000);
    // The session that opened taught both sides where the other was.
    expect(bobAtAlice.last_known.ipv4 || bobAtAlice.last_known.ipv6).to.equal(true);
    expect(a.parked).to.equal(false);
  });

  it('reaches the parked friend in its next window without the rendezvous', async () => {
    await alice.request('DELETE', `/sessions/${bob.persona!.peerId}`);
    await eventually('no session at Bob', async () => !(await status(bob)).friends[0]!.session);
    await set(bob, { 'parked.on': true });
    await eventually('Bob parked', async () => (await status(bob)).parked);
    const before = await status(bob);
    const reached = await alice.request<{ session: { path: string; remote: { family: string } }; window_to_session_ms: number; window: { start_ms: number } }>(
      'POST', '/connect/parked', { master_pubkey: key(bob), wait_ms: 20_000 },
    );
    // The path names the family the session runs on (both families' attempts resolve with it).
    expect(reached.session.path).to.match(/^parked-ipv[46]$/).and.to.equal(`parked-${reached.session.remote.family}`);
    expect(reached.window_to_session_ms).to.be.within(0, 999);
    await eventually('Bob counted a session in his window', async () => (await status(bob)).counters.windowSessions > before.counters.windowSessions);
    // Parking may begin inside a listening span (handled at once); the sleeper wakes for the next one within a period.
    await eventually('Bob\'s supervisor woke for a window', async () => (await status(bob)).counters.wakeups > before.counters.wakeups, 20_000);
  });

  it('refuses a reach outside the window with the countdown, and reaches nobody once Bob leaves Parked', async () => {
    await alice.request('DELETE', `/sessions/${bob.persona!.peerId}`);
    await eventually('no session at Bob', async () => !(await status(bob)).friends[0]!.session);
    await set(bob, { 'parked.on': false });
    await eventually('Bob not parked', async () => !(await status(bob)).parked);
    // Wait until the window is open now, then try: nobody listens.
    const answer = await alice.request<{ window_to_session_ms?: number }>('POST', '/connect/parked', { master_pubkey: key(bob), wait_ms: 20_000 })
      .then((r) => JSON.stringify(r), (error: Error) => error.message);
    expect(answer).to.match(/No direct path|unreachable/i);
    const later = await alice.request<Status>('GET', '/connect/parked/status');
    const next = later.friends[0]!.current_window ? null : later.friends[0]!.next_window;
    if (next && next.opens_in_ms > 500) {
      const early = await alice.request('POST', '/connect/parked', { master_pubkey: key(bob) }).then(() => 'opened', (error: Error) => error.message);
      expect(early).to.match(/next window opens in/);
    }
  });

  /** True while some process holds UDP `port` on 0.0.0.0 (our bind fails). */
  const portTaken = (port: number) => new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(true));
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(false)));
  });

  async function listeningPort(): Promise<number> {
    let port = 0;
    await eventually('Bob listening in a window', async () => {
      const row = (await status(bob)).friends[0]!;
      if (!row.listening || !row.current_window) return false;
      port = row.current_window.ports[0]!;
      return portTaken(port);
    }, 40_000);
    return port;
  }

  it('closes the window sockets when the extension is turned off and when the persona locks', async () => {
    await set(bob, { 'parked.on': true });
    const port = await listeningPort();
    await bob.request('POST', '/extensions/parked', { enabled: false });
    await eventually('window port closed after turning parked off', async () => !(await portTaken(port)), 5_000);
    await bob.request('POST', '/extensions/parked', { enabled: true });
    const again = await listeningPort();
    await bob.request('POST', '/identity/lock');
    await eventually('window port closed after lock', async () => !(await portTaken(again)), 5_000);
  });
});
