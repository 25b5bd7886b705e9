// Timed session listeners and session stats (issue #14): how long a friend's handshake takes to
// become a session on an extension's listener, beside the same handshake on the main port; and
// what one ctx.diagnostics stats read costs.
import { randomBytes, createHmac } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import type { ActivePersona, X25519Key } from '../../../host/src/core/persona-gate.js';
import { NetRuntime } from '../../../host/src/net/net-runtime.js';
import { TimedListener } from '../../../host/src/net/session-listener.js';
import { SessionStatsReader } from '../../../host/src/net/session-stats.js';
import type { LiveSession } from '../../../host/src/net/live-session.js';
import type { SessionTable } from '../../../host/src/net/session-table.js';

function benchPersona(label: string): ActivePersona {
  const master = randomBytes(32);
  const root = randomBytes(32);
  const keyOf = (secret: Uint8Array): X25519Key => ({
    publicKey: x25519.getPublicKey(secret), sharedSecret: (pub) => x25519.getSharedSecret(secret, pub),
  });
  const masterPublicKey = ed25519.getPublicKey(master);
  return {
    info: { slug: label, label, peerId: randomBytes(8).toString('hex'), masterPublicKey: Buffer.from(masterPublicKey).toString('hex') },
    masterPublicKey,
    sign: (m) => ed25519.sign(m, master),
    x25519: keyOf(randomBytes(32)),
    friendX25519: (friend) => keyOf(createHmac('sha256', root).update(friend).digest()),
    atRestKey: randomBytes(32),
  };
}
const card = (of: ActivePersona, forPersona: ActivePersona) => ({
  peer: of.info.masterPublicKey,
  x25519PublicKey: Buffer.from(of.friendX25519(forPersona.masterPublicKey).publicKey).toString('hex'),
});
const lo = (port: number) => ({ address: '127.0.0.1', port, family: 'ipv4' as const });
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** ms from the first HELLO to the session being open on both sides. */
async function handshake(from: SessionTable, to: SessionTable, fromKey: string, toKey: string, port: number): Promise<number> {
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
      const rounds = 30;
      const main: number[] = [];
      const viaListener: number[] = [];
      const binds: number[] = [];
      for (let i = 0; i < rounds; i++) {
        main.push(await handshake(ta, tb, ka, kb, b.udpPort));
        const bound = performance.now();
        const listener = await TimedListener.open({
          port: 0, family: 'ipv4', untilMs: Date.now() + 10_000, owner: 'bench', table: tb, totals: b.listenerCounters,
          refreshFriends: async () => undefined, fault: () => undefined,
        });
        binds.push(performance.now() - bound);
        viaListener.push(await handshake(ta, tb, ka, kb, listener.local.port));
        listener.close('bench');
      }

      // One stats read of a live session (what ctx.diagnostics.session answers, before the IPC).
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
          area: 'net', metric: 'friend HELLO → session open, on a timed listener (loopback, median of 30)', value: median(viaListener), unit: 'ms',
          baseline: { name: 'same on the main port', value: median(main), unit: 'ms' }, goal: 'window open → session open < 1 s (issue 17)',
        },
        { area: 'net', metric: 'bind a timed listener (median of 30)', value: median(binds), unit: 'ms' },
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
