import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A process in a lab namespace that speaks the lab-node line protocol. */
export class LabProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  #stderr = '';
  readonly ready: Promise<{ url: string; udpPort: number }>;

  /** `readyLine`: for programs that do not speak the protocol, the stdout line that means "ready". */
  constructor(ns: string, script: string, env: Record<string, string>, options: { args?: string[]; readyLine?: RegExp } = {}) {
    this.#child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', path.join(REPO, script), ...(options.args ?? [])], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr!.on('data', (d) => (this.#stderr = (this.#stderr + String(d)).slice(-4000)));
    const lines = readline.createInterface({ input: this.#child.stdout! });
    let markReady: (v: { url: string; udpPort: number }) => void;
    let failReady: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => { markReady = resolve; failReady = reject; });
    lines.on('line', (line) => {
      if (options.readyLine?.test(line)) return markReady({ url: line, udpPort: 0 });
      let msg: { id?: number; ok?: boolean; result?: unknown; error?: string; ready?: boolean; url?: string; udpPort?: number };
      try { msg = JSON.parse(line); } catch { return; }
      if (msg.ready) return markReady({ url: msg.url!, udpPort: msg.udpPort! });
      const pending = this.#pending.get(msg.id!);
      if (!pending) return;
      this.#pending.delete(msg.id!);
      if (msg.ok) pending.resolve(msg.result);
      else pending.reject(new Error(msg.error));
    });
    this.#child.once('exit', (code) => {
      const error = new Error(`lab process in ${ns} exited (${code}): ${this.#stderr}`);
      failReady(error);
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    });
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${op} timed out; stderr: ${this.#stderr}`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.#child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** HTTP against the host's own API inside the namespace. */
  api<T = any>(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: T }> {
    return this.call('fetch', { method, path: pathAndQuery, body }, 60_000);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.stdin!.end();
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}
