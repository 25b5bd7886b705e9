import { execFileSync } from 'node:child_process';

/** Run a command synchronously; throws with its stderr on failure. */
export function run(command: string, args: readonly string[], options: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(command, args as string[], { input: options.input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    if (options.allowFail) return '';
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** `ip` with arguments. */
export function ip(...args: string[]): string {
  return run('ip', args);
}

/** Run a command inside namespace `ns`. */
export function inNs(ns: string, command: string, args: readonly string[], options: { input?: string; allowFail?: boolean } = {}): string {
  return run('ip', ['netns', 'exec', ns, command, ...args], options);
}

/** True when this process can build the lab: root, with ip, nft and turnserver installed. */
export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the NAT lab needs root (CI runs as root)' };
  for (const tool of ['ip', 'nft', 'turnserver']) {
    if (!run('sh', ['-c', `command -v ${tool} || true`]).trim()) {
      return { ok: false, reason: `${tool} is not installed (apt-get install -y iproute2 nftables coturn)` };
    }
  }
  return { ok: true };
}
