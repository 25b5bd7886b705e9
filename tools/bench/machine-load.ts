import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Load on the machine from programs that are not Kith: `cpuProcesses` Node processes that spin,
 * and one that writes `diskMBps` MB/s into a file in `dir` (1 MiB writes, fdatasync every 8 MiB,
 * the file rewritten in place past 1 GiB). A bench measures a latency under it beside the same
 * latency under Kith's own load, so a row can tell what the machine's load costs from what Kith
 * adds. The children are killed by `stop()` and, should the bench die first, when their parent's
 * stdin closes.
 */
export interface MachineLoad {
  stop(): Promise<void>;
}

const SPIN = `
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
const spin = () => { const end = Date.now() + 50; while (Date.now() < end); setImmediate(spin); };
spin();
`;

const WRITE = `
const fs = require('node:fs');
process.stdin.on('close', () => { try { fs.unlinkSync(process.argv[1]); } catch {} process.exit(0); });
process.stdin.resume();
const [file, rate] = [process.argv[1], Number(process.argv[2])];
const fd = fs.openSync(file, 'w', 0o600);
const piece = Buffer.alloc(1 << 20, 7);
const started = Date.now();
let written = 0;
const step = () => {
  fs.writeSync(fd, piece, 0, piece.length, (written % 1024) * piece.length);
  written++;
  if (written % 8 === 0) fs.fdatasyncSync(fd);
  setTimeout(step, Math.max(0, (written / rate) * 1000 - (Date.now() - started)));
};
step();
`;

export function startMachineLoad(options: { cpuProcesses: number; diskMBps: number; dir: string }): MachineLoad {
  const children: ChildProcess[] = [];
  const start = (script: string, args: string[] = []) =>
    children.push(spawn(process.execPath, ['-e', script, ...args], { stdio: ['pipe', 'ignore', 'inherit'] }));
  for (let i = 0; i < options.cpuProcesses; i++) start(SPIN);
  // 1 MB/s per 1 MiB write: the rate is in MiB/s, close enough for a load.
  if (options.diskMBps > 0) start(WRITE, [path.join(options.dir, 'machine-load.bin'), String(options.diskMBps)]);
  return {
    async stop() {
      await Promise.all(
        children.map((child) => new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          // Closing stdin lets the writer remove its file; the kill is for a child that hangs.
          child.stdin!.end();
          setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        })),
      );
    },
  };
}
