// `tsx tools/lossy-shim/main.ts --a <port> --b <port> [--loss 0.1] [--duplicate 0.05] [--reorder 0.1]
//  [--reorder-ms 8] [--delay-min 0] [--delay-max 2] [--seed 1] [--max-datagram 1232]`
// Runs the lossy relay as its own process and prints `{"portForA":..,"portForB":..}` on one line;
// prints stats on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startLossyRelay } from './lossy-relay.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, loss: { type: 'string' }, duplicate: { type: 'string' },
    reorder: { type: 'string' }, 'reorder-ms': { type: 'string' }, 'delay-min': { type: 'string' },
    'delay-max': { type: 'string' }, seed: { type: 'string' }, 'max-datagram': { type: 'string' },
  },
});
const port = (name: 'a' | 'b'): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    process.stderr.write(`lossy-shim: --${name} <port> is required (1-65535)\n`);
    process.exit(2);
  }
  return value;
};
const num = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
const relay = await startLossyRelay(port('a'), port('b'), {
  loss: num(values.loss, 0.1), duplicate: num(values.duplicate, 0.05), reorder: num(values.reorder, 0.1),
  reorderMs: num(values['reorder-ms'], 8), delayMs: [num(values['delay-min'], 0), num(values['delay-max'], 2)],
  seed: num(values.seed, 1),
  ...(values['max-datagram'] === undefined ? {} : { maxDatagram: Number(values['max-datagram']) }),
});
process.stdout.write(`${JSON.stringify({ portForA: relay.portForA, portForB: relay.portForB })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    process.stderr.write(`lossy-shim: ${JSON.stringify(relay.stats)}\n`);
    await relay.close();
    process.exit(0);
  });
}
