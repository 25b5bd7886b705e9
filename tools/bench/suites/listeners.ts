// Timed session listeners and session stats (issue #14): how long a friend's handshake takes to
// become a session on an extension's listener, beside the same handshake on the main port; and
// what one ctx.diagnostics stats read costs.
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { benchPersona, card, lo } from '../bench-persona.js';
import { NetRuntime } from '../../../host/src/net/net-runtime.js';
import { TimedListener } from '../../../host/src/net/session-listener.js';
import { SessionStatsReader } from '../../../host/src/net/session-stats.js';
import type { LiveSession } from '../../../host/src/net/live-session.js';
import type { SessionTable } from '../../../host/src/net/session-table.js';
import { OPENS_BURST, OPENS_PER_SECOND } from '../../../host/src/net/friend-handshakes.js';

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits, past the first few, until a friend may open another session: a host takes a burst of
 * new sessions from one friend, then one every 2 s (friend-handshakes.ts), and refuses the rest.
 */
function openPacer(): () => Promise<void> {
  let opens = 0;
  return async () => {
    if (++opens > OPENS_BURST) await sleep(1000 / OPENS_PER_SECOND + 50);
  };
}

/** ms from the first HELLO to the session being open on both sides. */
async function handshake(from: SessionTable, to: SessionTable, fromKey: string, toKey: string, port: number, pace: () => Promise<void>): Promise<number> {
  await pace();
  const began = performance.now();
  const both = Promise.all([from.waitForOpen(toKey, 2_000), to.waitForOpen(fromKey, 2_000)]);
  from.sendHello(toKey, lo(port));
  const [a] = await both;
  const ms = performance.now() - began;
  a.close();
  await new Promise((r) => setTimeout(r, 5));
  return ms;
}

const suite: BenchSuite = {
  name: 'listeners',
  async run(): Promise<BenchRow[]> {
    const a = new NetRuntime({ stunServers: [], beaconPort: false });
    const b = new NetRuntime({ stunServers: [], beaconPort: false });
    await a.start();
    await b.start();
    try {
      const alice = benchPersona('alice');
      const bob = benchPersona('bob');
      const ta = a.activate(alice, [card(bob, alice)]);
      const tb = b.activate(bob, [card(alice, bob)]);
      const [ka, kb] = [alice.info.masterPublicKey, bob.info.masterPublicKey];
      const rounds = 12; // paced: about 45 s
      const pace = openPacer();
      const main: number[] = [];
      const viaListener: number[] = [];
      const binds: number[] = [];
      for (let i = 0; i < rounds; i++) {
        main.push(await handshake(ta, tb, ka, kb, b.udpPort, pace));
        const bound = performance.now();
        const listener = await TimedListener.open({
          port: 0, family: 'ipv4', untilMs: Date.now() + 10_000, owner: 'bench', table: tb, totals: b.listenerCounters,
          refreshFriends: async () => undefined, fault: () => undefined,
        });
        binds.push(performance.now() - bound);
        viaListener.push(await handshake(ta, tb, ka, kb, listener.local.port, pace));
        listener.close('bench');
      }

      // One stats read of a live session (what ctx.diagnostics.session answers, before the IPC).
      await pace();
      const open = Promise.all([ta.waitForOpen(kb, 2_000), tb.waitForOpen(ka, 2_000)]);
      ta.sendHello(kb, lo(b.udpPort));
      const [session] = await open;
      const reader = new SessionStatsReader(() => ({ retransmits: 0, srttMs: 1.5, rttvarMs: 0.5, latestRttMs: 1.2 }));
      const reads = 20_000;
      let began = performance.now();
      for (let i = 0; i < reads; i++) reader.read(session as LiveSession);
      const readUs = ((performance.now() - began) * 1000) / reads;
      // What crossing to an out-of-process extension will add: one structured clone of the answer.
      const stats = reader.read(session as LiveSession);
      began = performance.now();
      for (let i = 0; i < reads; i++) structuredClone(stats);
      const cloneUs = ((performance.now() - began) * 1000) / reads;
      return [
        {
          area: 'net', metric: 'friend HELLO → session open, on a timed listener (loopback, median of 12)', value: median(viaListener), unit: 'ms',
          baseline: { name: 'same on the main port', value: median(main), unit: 'ms' }, goal: 'window open → session open < 1 s (issue 17)',
        },
        { area: 'net', metric: 'bind a timed listener (median of 12)', value: median(binds), unit: 'ms' },
        {
          area: 'net', metric: 'read one session\'s stats (ctx.diagnostics, in process)', value: readUs, unit: 'µs',
          baseline: { name: 'structuredClone of that answer', value: cloneUs, unit: 'µs' },
        },
      ];
    } finally {
      await a.stop();
      await b.stop();
    }
  },
};
export default suite;
