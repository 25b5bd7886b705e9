import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** How to run the Kith program: a command (program and arguments) and the folder it runs in. */
export interface KithProgram {
  readonly command: readonly string[];
  readonly cwd: string;
}

/** Options naming the Kith program; see {@link resolveProgram}. */
export interface ProgramOptions {
  /**
   * The Kith program: e.g. `['/opt/kith/kith']` (the packaged executable) or
   * `['node', '--import', 'tsx', 'host/src/main.ts']` (a checkout). Default: `KITH_HOST_COMMAND`.
   */
  readonly command?: readonly string[] | string;
  /** Working folder of the program. Default: `KITH_HOST_CWD`, else the current folder. */
  readonly cwd?: string;
}

/**
 * Which program the kit starts, first match wins: `options.command`; `KITH_HOST_COMMAND` (a JSON
 * array, or words separated by spaces); a Kith checkout containing the current folder (then
 * `node --import tsx host/src/main.ts` from its root). The working folder is `options.cwd`,
 * `KITH_HOST_CWD`, the checkout's root, or the current folder.
 */
export function resolveProgram(options: ProgramOptions = {}): KithProgram {
  const explicit = options.command ?? process.env.KITH_HOST_COMMAND;
  const cwd = options.cwd ?? process.env.KITH_HOST_CWD;
  if (explicit !== undefined && explicit !== '') {
    const command = typeof explicit === 'string' ? parseCommand(explicit) : [...explicit];
    if (command.length === 0) throw new TypeError('The Kith host command is empty');
    return { command, cwd: path.resolve(cwd ?? process.cwd()) };
  }
  const checkout = findCheckout(path.resolve(cwd ?? process.cwd()));
  if (!checkout) {
    throw new Error(
      'Cannot find the Kith program: set KITH_HOST_COMMAND to the kith executable (e.g. /opt/kith/kith) ' +
        'or to a checkout (e.g. ["node","--import","tsx","/src/kith/host/src/main.ts"] with KITH_HOST_CWD=/src/kith)',
    );
  }
  return fromSource(checkout, 'host/src/main.ts');
}

/** `node --import tsx <entry> ...args` run from a checkout's root. */
function fromSource(checkout: string, entry: string, args: readonly string[] = []): KithProgram {
  return { command: [process.execPath, '--import', 'tsx', path.join(checkout, entry), ...args], cwd: checkout };
}

/** The fixture program of a checkout that replaces built-ins' entry modules (see {@link withBuiltinEntries}). */
const ENTRIES_PROGRAM = 'host/test/support/kith-with-entries.ts';

/**
 * The program that runs a Kith checkout from source with some built-in extensions' entry modules
 * replaced: `entries` maps a built-in id to a module file that exports the extension, typically
 * wrapping the real one's `activate` (a hostile peer made of the real code, without a test hook
 * in the shipped code). Only a checkout can do this, so it is found from `options.cwd`,
 * `KITH_HOST_CWD` or the current folder, whatever `options.command` says.
 */
export function withBuiltinEntries(options: ProgramOptions, entries: Readonly<Record<string, string>>): KithProgram {
  const checkout = findCheckout(path.resolve(options.cwd ?? process.env.KITH_HOST_CWD ?? process.cwd()));
  if (!checkout || !fs.existsSync(path.join(checkout, ENTRIES_PROGRAM))) {
    throw new Error(`Replacing built-in entry modules needs a Kith checkout with ${ENTRIES_PROGRAM} (run the test from the checkout or set KITH_HOST_CWD)`);
  }
  const flags = Object.entries(entries).flatMap(([id, file]) => ['--builtin-entry', `${id}=${path.resolve(file)}`]);
  return fromSource(checkout, ENTRIES_PROGRAM, flags);
}

function parseCommand(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
      throw new TypeError('KITH_HOST_COMMAND as JSON must be an array of strings');
    }
    return parsed;
  }
  return trimmed.split(/\s+/).filter((part) => part.length > 0);
}

function findCheckout(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'host/src/main.ts')) && fs.existsSync(path.join(dir, 'node_modules/tsx'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A started Kith process whose ready line has been read. */
export interface RunningProgram {
  /** The URL the program printed. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Stop it (SIGTERM, then SIGKILL after `graceMs`); resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGKILL it and every process it started (a launcher's child, an extension host), as `kill -9`
   * or a power cut would: nothing gets to clean up. Resolves once it exited.
   */
  kill(): Promise<void>;
}

/** `pid` and its descendants, read from /proc (Linux); just `pid` where there is no /proc. */
function processTree(pid: number): number[] {
  let parents: Map<number, number[]>;
  try {
    parents = new Map();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The field after the parenthesised command name (which may hold spaces) is the state, then the ppid.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return [pid];
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * Start `program` with `args` and `env`, and wait until it prints a line matching `ready` (whose
 * first group is the URL). Fails with the program's last output if it exits first or takes longer
 * than `timeoutMs`.
 */
export function startProgram(
  program: KithProgram,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  ready: RegExp,
  timeoutMs = 60_000,
  /** Copy the program's stderr (its log lines) to this process's stderr, each line after this prefix. */
  echoPrefix?: string,
): Promise<RunningProgram> {
  if (!exitHook) {
    exitHook = true;
    // A test run that ends without closing its hosts must not leave them running.
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const [file, ...fixed] = program.command;
  const child = spawn(file!, [...fixed, ...args], {
    cwd: program.cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const tail: string[] = [];
  const remember = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stderr!.on('data', remember);
  if (echoPrefix !== undefined) {
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.length > 0) process.stderr.write(`${echoPrefix}${line}\n`);
    });
  }

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Children first is not needed: SIGKILL cannot be caught, so no process can react to another's death.
    for (const pid of processTree(child.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  };

  return new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const onError = (error: Error) => fail(error.message);
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before it was ready`);
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop(1000);
      reject(new Error(`${program.command.join(' ')} ${args.join(' ')}: ${why}\n${tail.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    child.once('error', onError);
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      remember(chunk);
      if (settled) return;
      buffered += chunk.toString('utf8');
      const match = ready.exec(buffered);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      resolve({ url: match[1]!, child, stop, kill });
    });
  });
}
