import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A started Kith process (peer app or rendezvous) and the URL it announced. */
export interface Launched {
  readonly child: ChildProcess;
  /** The base URL it printed, on loopback (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Kith prints `... http://127.0.0.1:<port>` (peer app) or `... http://0.0.0.0:<port>` (rendezvous). */
const URL_PATTERN = /http:\/\/(?:127\.0\.0\.1|0\.0\.0\.0|localhost|\[::\]):(\d+)/;

/**
 * Spawn `command` and wait until it prints the URL it listens on (stdout or stderr). Rejects with
 * its output when it exits first or prints nothing within `timeoutMs`. `onOutput` sees every chunk.
 */
export function launchUntilUrl(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number; onOutput?: (chunk: string) => void } = {},
): Promise<Launched> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let announced = false;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} printed no URL within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      options.onOutput?.(text);
      const match = URL_PATTERN.exec(output);
      if (!announced && match && Number(match[1]) > 0) {
        announced = true;
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${match[1]}`, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!announced) reject(new Error(`${command} exited (${code}) before printing its URL:\n${output}`));
    });
  });
}
