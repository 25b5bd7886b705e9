import path from 'node:path';
import { parsePort } from '../../rendezvous/src/shared/port.js';

export { parsePort };

/** Everything the host reads from its environment, resolved once at start-up. */
export interface HostConfig {
  /** Address the local API binds; 127.0.0.1 unless overridden for tests. */
  readonly host: string;
  /** TCP port of the local API (`KITH_PORT`, default 8787; 0 picks a free port). */
  readonly port: number;
  /** Data dir (`KITH_DATA`, default `.kith/` beside the program). */
  readonly dataDir: string;
  /** pino level (`KITH_LOG`, default `info`). */
  readonly logLevel: string;
  /** Skip opening the browser (`KITH_NO_BROWSER`). */
  readonly noBrowser: boolean;
  /** Extra STUN servers (`KITH_STUN`, comma-separated host:port). */
  readonly stunServers: readonly string[];
  /** UDP port for sessions and STUN (`KITH_UDP_PORT`, default 0 = any). */
  readonly udpPort: number;
  /** LAN beacon port (`KITH_LAN_PORT`, default 47474; `off` → false, the LAN rung is skipped). */
  readonly lanPort: number | false;
}

/** Default LAN beacon port. */
export const DEFAULT_LAN_PORT = 47_474;

function parseLanPort(raw: string | undefined): number | false {
  if (raw === 'off') return false;
  return parsePort(raw, DEFAULT_LAN_PORT);
}

/** True inside a Node single executable application (the packaged `kith` binary). */
export function isSingleExecutable(): boolean {
  const sea = process.getBuiltinModule?.('node:sea') as { isSea?: () => boolean } | undefined;
  return sea?.isSea?.() === true;
}

/** The folder "beside the program": the executable's folder when packaged, else the working dir. */
export function programDir(): string {
  return isSingleExecutable() ? path.dirname(process.execPath) : process.cwd();
}

/** Read the peer app's configuration from `env`, with overrides (tests pass overrides). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HostConfig> = {}): HostConfig {
  return {
    host: overrides.host ?? '127.0.0.1',
    port: overrides.port ?? parsePort(env.KITH_PORT, 8787),
    dataDir: path.resolve(overrides.dataDir ?? env.KITH_DATA ?? path.join(programDir(), '.kith')),
    logLevel: overrides.logLevel ?? env.KITH_LOG ?? 'info',
    noBrowser: overrides.noBrowser ?? Boolean(env.KITH_NO_BROWSER),
    stunServers:
      overrides.stunServers ??
      (env.KITH_STUN ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    udpPort: overrides.udpPort ?? parsePort(env.KITH_UDP_PORT, 0, 'KITH_UDP_PORT'),
    lanPort: overrides.lanPort ?? parseLanPort(env.KITH_LAN_PORT),
  };
}
