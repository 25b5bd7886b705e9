import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** A real `kith --server` process (via tsx), on a free port. */
export interface RendezvousProcess {
  readonly url: string;
  output(): string;
  stop(): Promise<number | null>;
}

export async function startRendezvousProcess(args: readonly string[], env: Record<string, string> = {}): Promise<RendezvousProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'host/src/main.ts'), '--server', ...args], {
    cwd: repo,
    env: { ...process.env, KITH_PORT: '0', KITH_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rendezvous process printed no URL:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rendezvous process exited (${code}):\n${output}`));
    });
  });
  return { url, output: () => output, stop };
}
