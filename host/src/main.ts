import { tuneHeap } from './heap-tuning.js';
import { runKith } from './run-kith.js';

/** Entry point of the `kith` program (dev: `tsx host/src/main.ts`; packaged: the executable). */
tuneHeap();
runKith(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`kith: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
