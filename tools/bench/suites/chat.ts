/**
 * Chat between two real hosts on loopback (child processes from @kith/sdk/testing, paired by code,
 * connected through a real rendezvous): messages/s sustained with delivery confirmed (the friend's
 * host persisted each one), and the send → delivered round trip. Baselines from the same run: the same HTTP + sealed insert without
 * the network (notes to self), and a bare API round trip (GET /api/health).
 */
import { startTestNetwork, type TestHost, type UiEventStream } from '@kith/sdk/testing';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { percentile } from '../percentile.js';

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


/** Resolves each message id when its host reports it delivered. */
class DeliveryWatch {
  private readonly waiting = new Map<string, () => void>();
  private readonly early = new Set<string>();
  constructor(page: UiEventStream) {
    page.on<{ message?: { id: string; state: string } }>('chat:message-updated', (event) => {
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
    const net = await startTestNetwork({ hosts: 2 });
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    try {
      await net.befriend(alice, bob);
      await net.connect(alice, bob);
      const watch = new DeliveryWatch(alice.events);
      const toBob = `/sessions/${bob.persona!.key}/messages`;

      // Warm up both paths.
      for (let i = 0; i < 20; i++) {
        const m = await alice.request('POST', toBob, { body: `warm ${i}` });
        await watch.delivered(m.id);
        await alice.request('POST', '/self/messages', { body: `warm ${i}` });
      }

      let started = performance.now();
      await pooled(THROUGHPUT_MESSAGES, WINDOW, async (i) => alice.request('POST', '/self/messages', { body: `note ${i} ${'x'.repeat(80)}` }));
      const selfRate = THROUGHPUT_MESSAGES / ((performance.now() - started) / 1000);

      started = performance.now();
      const deliveries: Promise<void>[] = [];
      await pooled(THROUGHPUT_MESSAGES, WINDOW, async (i) => {
        const m = await alice.request('POST', toBob, { body: `message ${i} ${'x'.repeat(80)}` });
        deliveries.push(watch.delivered(m.id));
      });
      await Promise.all(deliveries);
      const chatRate = THROUGHPUT_MESSAGES / ((performance.now() - started) / 1000);

      const roundTrips: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        let t0 = performance.now();
        const m = await alice.request('POST', toBob, { body: `ping ${i}` });
        await watch.delivered(m.id);
        roundTrips.push(performance.now() - t0);
        t0 = performance.now();
        await alice.fetch('/api/health');
        health.push(performance.now() - t0);
      }

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
          value: percentile(roundTrips, 0.5),
          unit: 'ms',
          baseline: { name: 'GET /api/health round trip p50', value: percentile(health, 0.5), unit: 'ms' },
        },
        {
          area: 'chat',
          metric: 'send → delivered p99',
          value: percentile(roundTrips, 0.99),
          unit: 'ms',
          baseline: { name: 'GET /api/health round trip p99', value: percentile(health, 0.99), unit: 'ms' },
        },
      ];
    } finally {
      await net.close();
    }
  },
};
export default suite;
