import net from 'node:net';
import type { Endpoint } from '@kith/sdk';

/**
 * Endpoint helpers for dual-stack sockets: a socket bound to `::` sees IPv4 peers as
 * `::ffff:a.b.c.d`; Kith always reports and compares them in their plain IPv4 form.
 */
export function toEndpoint(address: string, port: number): Endpoint {
  const plain = unmapIpv4(address);
  return { address: plain, port, family: net.isIPv4(plain) ? 'ipv4' : 'ipv6' };
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged (zone ids dropped). */
export function unmapIpv4(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && net.isIPv4(lower.slice(7))) return lower.slice(7);
  return lower.split('%')[0]!;
}

/** The address to pass to a dual-stack socket's `send`: IPv4 as a mapped IPv6 address. */
export function socketAddress(endpoint: Endpoint): string {
  return endpoint.family === 'ipv4' ? `::ffff:${endpoint.address}` : endpoint.address;
}

export function endpointKey(endpoint: Endpoint): string {
  return endpoint.family === 'ipv6' ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Parse `1.2.3.4:5`, `[::1]:5` or a bare address with `defaultPort`; undefined when malformed. */
export function parseEndpoint(text: string, defaultPort?: number): Endpoint | undefined {
  const trimmed = text.trim();
  let host = trimmed;
  let port: number | undefined = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (!net.isIPv6(trimmed)) {
    const colon = trimmed.lastIndexOf(':');
    if (colon > 0) {
      host = trimmed.slice(0, colon);
      port = Number(trimmed.slice(colon + 1));
    }
  }
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (!net.isIP(host)) return undefined;
  return toEndpoint(host, port);
}

/** Private, loopback and link-local addresses: never published to a rendezvous. */
export function isPrivateAddress(address: string): boolean {
  const a = unmapIpv4(address);
  if (net.isIPv4(a)) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) ||
      (x === 169 && y === 254) || (x === 100 && y >= 64 && y <= 127) || x === 0;
  }
  return a === '::1' || a === '::' || /^f[cd]/.test(a) || /^fe[89ab]/.test(a);
}
