/**
 * Chat between two real hosts on loopback (paired by code, connected through a real rendezvous):
 * messages/s sustained with delivery confirmed (the friend's host persisted each one), and the
 * send → delivered round trip. Baselines from the same run: the same HTTP + sealed insert without
 * the network (notes to self), and a bare API round trip (GET /api/health).
 */
import { io, type Socket } from 'socket.io-client';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { connectPeers } from '../../../test/e2e/support/connect-peers.js';
import { E2ePeer } from '../../../test/e2e/support/e2e-peer.js';
import { startLoopbackRendezvous } from '../../../test/e2e/support/rendezvous.js';

const THROUGHPUT_MESSAGES = 1000;
const WINDOW = 16;
const LATENCY_SAMPLES = 200;

/** Run `count` jobs with at most `window` in flight. */
async function pooled(count: number, window: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: window }, async () => {
    while (next < count) await job(next++);
  }));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Resolves each message id when its host reports it delivered. */
class DeliveryWatch {
  private readonly waiting = new Map<string, () => void>();
  private readonly early = new Set<string>();
  constructor(socket: Socket) {
    socket.on('chat:message-updated', (event: { message?: { id: string; state: string } }) => {
      const m = event?.message;
      if (!m || (m.state !== 'delivered' && m.state !== 'read')) return;
      const done = this.waiting.get(m.id);
      if (done) {
        this.waiting.delete(m.id);
        done();
      } else this.early.add(m.id);
    });
  }
  delivered(id: string): Promise<void> {
    if (this.early.delete(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

const suite: BenchSuite = {
  name: 'chat',
  async run(): Promise<BenchRow[]> {
    const rendezvous = await startLoopbackRendezvous();
    const [alice, bob] = await Promise.all([E2ePeer.start('Alice'), E2ePeer.start('Bob')]);
    let socket: Socket | undefined;
    try {
      const { code } = await alice.api.ok('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Bob' });
      await Promise.all([
        alice.api.ok('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: 'Bob' }),
        bob.api.ok('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: 'Alice' }),
      ]);
      await connectPeers(alice, bob, rendezvous.url, `bench-${Date.now()}`);
      socket = io(alice.host.url, { path: '/api/ws', auth: { secret: alice.host.host.launchSecret }, extraHeaders: { 'x-kith-secret': alice.host.host.launchSecret }, transports: ['websocket'] });
      await new Promise<void>((resolve, reject) => {
        socket!.once('connect', () => resolve());
        socket!.once('connect_error', reject);
      });
      const watch = new DeliveryWatch(socket);
      const toBob = `/sessions/${bob.keys.masterPublicKey}/messages`;

      // Warm up both paths.
      for (let i = 0; i < 20; i++) {
        const m = await alice.api.ok('POST', toBob, { body: `warm ${i}` });
        await watch.delivered(m.id);
        await alice.api.ok('POST', '/self/messages', { body: `warm ${i}` });
      }

      let started = performance.now();
      await pooled(THROUGHPUT_MESSAGES, WINDOW, async (i) => alice.api.ok('POST', '/self/messages', { body: `note ${i} ${'x'.repeat(80)}` }));
      const selfRate = THROUGHPUT_MESSAGES / ((performance.now() - started) / 1000);

      started = performance.now();
      const deliveries: Promise<void>[] = [];
      await pooled(THROUGHPUT_MESSAGES, WINDOW, async (i) => {
        const m = await alice.api.ok('POST', toBob, { body: `message ${i} ${'x'.repeat(80)}` });
        deliveries.push(watch.delivered(m.id));
      });
      await Promise.all(deliveries);
      const chatRate = THROUGHPUT_MESSAGES / ((performance.now() - started) / 1000);

      const roundTrips: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        let t0 = performance.now();
        const m = await alice.api.ok('POST', toBob, { body: `ping ${i}` });
        await watch.delivered(m.id);
        roundTrips.push(performance.now() - t0);
        t0 = performance.now();
        await alice.host.fetch('/api/health');
        health.push(performance.now() - t0);
      }
      roundTrips.sort((a, b) => a - b);
      health.sort((a, b) => a - b);

      return [
        {
          area: 'chat',
          metric: `messages/s between two hosts, delivery confirmed (${THROUGHPUT_MESSAGES} msgs, ${WINDOW} in flight)`,
          value: chatRate,
          unit: 'msg/s',
          baseline: { name: 'POST /self/messages (HTTP + sealed insert, no network)', value: selfRate, unit: 'msg/s' },
        },
        {
          area: 'chat',
          metric: 'send → delivered p50 (HTTP POST to delivered event)',
          value: percentile(roundTrips, 50),
          unit: 'ms',
          baseline: { name: 'GET /api/health round trip p50', value: percentile(health, 50), unit: 'ms' },
        },
        {
          area: 'chat',
          metric: 'send → delivered p99',
          value: percentile(roundTrips, 99),
          unit: 'ms',
          baseline: { name: 'GET /api/health round trip p99', value: percentile(health, 99), unit: 'ms' },
        },
      ];
    } finally {
      socket?.close();
      await Promise.allSettled([alice.dispose(), bob.dispose()]);
      await rendezvous.close();
    }
  },
};
export default suite;
