import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { PersonaKeys } from './test-peer.js';

const SCRIPT = path.join(path.dirname(new URL(import.meta.url).pathname), 'peer-process.ts');

/** A running peer-process.ts child and the messages it sent. */
export interface ChildPeer {
  readonly process: ChildProcess;
  readonly port: number;
  readonly messages: any[];
  /** Resolves with the next message with `op` (after those already seen). */
  next(op: string, timeoutMs?: number): Promise<any>;
  /** Resolves when the child has exited (with its signal). */
  readonly exited: Promise<NodeJS.Signals | null>;
  send(message: object): void;
  kill(): Promise<void>;
}

export async function startChildPeer(options: {
  dataDir: string; keys: PersonaKeys; peer: string; die?: string; env?: Record<string, string>;
}): Promise<ChildPeer> {
  const child = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env, KITH_TEST_DATA_DIR: options.dataDir, KITH_TEST_KEYS: JSON.stringify(options.keys),
      KITH_TEST_PEER: options.peer, KITH_TEST_DIE: options.die ?? '', ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: any[] = [];
  const waiters: Array<{ op: string; resolve: (m: any) => void }> = [];
  child.on('message', (message: any) => {
    messages.push(message);
    const index = waiters.findIndex((w) => w.op === message.op);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message);
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const next = (op: string, timeoutMs = 20_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child sent no ${op} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ op, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  const ready = await Promise.race([next('ready', 30_000), exited.then(() => { throw new Error('child exited before ready'); })]);
  return {
    process: child,
    port: ready.port,
    messages,
    next,
    exited,
    send: (message) => child.send(message),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
