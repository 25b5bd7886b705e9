import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { missingReason } from '../../../test/support/system-parts.js';

/** A real `redis-server` on a free port, no persistence, killed by `stop()`. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Freeze the server (SIGSTOP): connections stay open and nothing answers, as a hung Redis does. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Start one. A suite that calls this declares `needs('redis-server')`, so it is skipped where Redis is missing. */
export async function startTestRedis(): Promise<TestRedis> {
  const missing = missingReason('redis-server');
  if (missing) throw new Error(`no redis-server (${missing}): declare needs('redis-server') in the suite, or apt-get install -y redis-server`);
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT'); // a paused server would not act on SIGTERM
        child.kill('SIGTERM');
      }),
  };
}
