import fs from 'node:fs';
import path from 'node:path';

/**
 * The programs outside npm that some suites drive for real, how to tell whether this machine has
 * them, and the command that installs them. `npm install` alone cannot bring these, so a suite that
 * needs one declares it (see `needs.ts`) and is skipped, with a reason, where it is missing.
 */
export type SystemPart = 'chromium' | 'redis-server' | 'coturn' | 'nat-lab' | 'tmpfs' | 'strace' | 'ffmpeg';

interface PartInfo {
  /** What it is for, in a few words. */
  readonly purpose: string;
  /** The command that makes it available on Debian (what `.ci/run` does). */
  readonly install: string;
  /** Undefined when present, else why not. */
  probe(): string | undefined;
}

/**
 * Parts named here count as missing even when installed: a way to rehearse a machine that has
 * only Node (`KITH_PRETEND_MISSING=chromium,redis-server,coturn,nat-lab npm test`).
 */
const PRETEND_MISSING = new Set((process.env.KITH_PRETEND_MISSING ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** Full path of an executable named `name` on PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where Chromium is: `KITH_CHROMIUM` if set, else Debian's `chromium` on PATH. */
export function chromiumPath(): string | undefined {
  const override = process.env.KITH_CHROMIUM;
  if (override) return isExecutable(override) ? override : undefined;
  return onPath('chromium') ?? onPath('chromium-browser');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const needProgram = (name: string) => (): string | undefined => (onPath(name) ? undefined : `${name} is not installed`);

export const SYSTEM_PARTS: Readonly<Record<SystemPart, PartInfo>> = {
  chromium: {
    purpose: 'browser tests (Chromium via playwright-core)',
    install: 'apt-get install -y chromium',
    probe: () => (chromiumPath() ? undefined : process.env.KITH_CHROMIUM ? `KITH_CHROMIUM=${process.env.KITH_CHROMIUM} is not an executable` : 'chromium is not installed'),
  },
  'redis-server': {
    purpose: 'rendezvous on a shared Redis store',
    install: 'apt-get install -y redis-server',
    probe: needProgram('redis-server'),
  },
  coturn: {
    purpose: 'a real STUN server (turnserver)',
    install: 'apt-get install -y coturn',
    probe: needProgram('turnserver'),
  },
  'nat-lab': {
    purpose: 'the NAT lab: network namespaces, nftables NATs, coturn',
    install: 'apt-get install -y iproute2 nftables iptables conntrack coturn, and run as root',
    probe: () => {
      if (process.getuid?.() !== 0) return 'it needs root (CI runs as root)';
      const absent = ['ip', 'nft', 'conntrack', 'turnserver'].filter((p) => !onPath(p));
      return absent.length ? `${absent.join(', ')} not installed` : undefined;
    },
  },
  strace: {
    purpose: 'watching the system calls a real process makes (fsync at every SQLite commit)',
    install: 'apt-get install -y strace',
    probe: needProgram('strace'),
  },
  ffmpeg: {
    purpose: 'media previews (ctx.media, POST /api/media/preview) made by a real ffmpeg',
    install: 'apt-get install -y ffmpeg',
    probe: needProgram('ffmpeg'),
  },
  tmpfs: {
    purpose: 'a small tmpfs to fill up (full-disk tests)',
    install: 'run as root (mount -t tmpfs)',
    probe: () => (process.getuid?.() !== 0 ? 'mounting a tmpfs needs root (CI runs as root)' : onPath('mount') ? undefined : 'mount is not installed'),
  },
};

const probed = new Map<SystemPart, string | undefined>();

/** Why `part` is unusable here, or undefined when it is usable. Probed once per process. */
export function missingReason(part: SystemPart): string | undefined {
  if (!probed.has(part)) probed.set(part, PRETEND_MISSING.has(part) ? 'KITH_PRETEND_MISSING names it' : SYSTEM_PARTS[part].probe());
  return probed.get(part);
}
