import { spawn } from 'node:child_process';
import os from 'node:os';

/** Limits of one ffmpeg run. */
export interface RunLimits {
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
}

/** How a run ended when it produced no usable output. */
export type RunFailure = 'timeout' | 'too-large' | 'failed';

/** The input: bytes for stdin, or a descriptor the child gets as its fd 3. */
export type RunInput = { readonly bytes: Uint8Array } | { readonly fd: number };

export type RunResult = { readonly ok: true; readonly output: Uint8Array } | { readonly ok: false; readonly failure: RunFailure; readonly detail: string };

/**
 * Run `program args` with `input` on stdin (or as fd 3) and collect stdout, within `limits`: past the deadline
 * or the output limit the process is killed (SIGKILL: a stuck decoder may ignore SIGTERM). Its
 * environment is empty but for PATH (no secret of Kith's reaches it) and it runs in the temp dir.
 * stderr is kept only for its last line, which never reaches the API (it can quote the input).
 * It runs at a lower CPU priority: a long transcode must not slow chat or a call.
 */
export function runWithInput(program: string, args: readonly string[], input: RunInput, limits: RunLimits): Promise<RunResult> {
  return new Promise((resolve) => {
    const stdio = 'fd' in input ? (['ignore', 'pipe', 'pipe', input.fd] as const) : (['pipe', 'pipe', 'pipe'] as const);
    const child = spawn(program, args, { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: [...stdio] });
    lowerPriority(child.pid);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderrTail = '';
    let failure: RunFailure | undefined;
    const stop = (why: RunFailure) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxOutputBytes) return stop('too-large');
      chunks.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    if ('bytes' in input) {
      // ffmpeg may stop reading early (an image needs one frame): the broken pipe is expected.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input.bytes);
    }
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, failure: 'failed', detail: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const detail = stderrTail.trim().split('\n').pop() ?? '';
      if (failure) return resolve({ ok: false, failure, detail });
      if (code !== 0 || size === 0) return resolve({ ok: false, failure: 'failed', detail: detail || `exit ${code ?? signal}` });
      resolve({ ok: true, output: new Uint8Array(Buffer.concat(chunks, size)) });
    });
  });
}

/** Nice 10: the scheduler prefers Kith itself (and everything else interactive) over a preview. */
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, 10);
  } catch {
    // gone already, or not allowed here: it still runs, at normal priority
  }
}
