import dns from 'node:dns/promises';
import net from 'node:net';
import type { Endpoint } from '@kith/sdk';

/** Kith's own defaults (the host uses the same pair when `KITH_STUN` is empty). */
export const DEFAULT_STUN_SERVERS: readonly string[] = ['stun.l.google.com:19302', 'stun.cloudflare.com:3478'];
const MAX_SERVERS = 8;
const MAX_NAME_LENGTH = 255;
const LOOKUP_TIMEOUT_MS = 1000;

/** One `host:port` / `[v6]:port` entry, checked; undefined when malformed. */
export function parseServer(text: string): { host: string; port: number } | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) return undefined;
  const match = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(trimmed) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(trimmed);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  if (trimmed.startsWith('[') && net.isIPv6(match[1]!) === false) return undefined;
  return { host: match[1]!, port };
}

/**
 * The servers to probe: the extension's setting when set, else the host's `KITH_STUN` (the same
 * list the host discovers with), else Kith's defaults. At most 8, malformed entries dropped.
 */
export function configuredServers(setting: string, env: string | undefined): string[] {
  const source = setting.trim() || env?.trim() || DEFAULT_STUN_SERVERS.join(',');
  return source.split(',').map((s) => s.trim()).filter((s) => parseServer(s) !== undefined).slice(0, MAX_SERVERS);
}

/** Resolve each server to its addresses of both families (names looked up within 1 s). */
export async function resolveServers(servers: readonly string[]): Promise<{ endpoints: Endpoint[]; errors: string[] }> {
  const endpoints: Endpoint[] = [];
  const errors: string[] = [];
  await Promise.all(servers.map(async (text) => {
    const parsed = parseServer(text)!;
    if (net.isIP(parsed.host)) {
      endpoints.push({ address: parsed.host, port: parsed.port, family: net.isIPv6(parsed.host) ? 'ipv6' : 'ipv4' });
      return;
    }
    try {
      const found = await Promise.race([
        dns.lookup(parsed.host, { all: true }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('lookup took over 1 s')), LOOKUP_TIMEOUT_MS).unref()),
      ]);
      for (const a of found.slice(0, 4)) endpoints.push({ address: a.address, port: parsed.port, family: a.family === 6 ? 'ipv6' : 'ipv4' });
    } catch (error) {
      errors.push(`${parsed.host}: ${(error as Error).message}`);
    }
  }));
  return { endpoints, errors };
}
