import net from 'node:net';
import type { Endpoint } from '@kith/sdk';
import type { PublicEndpoints } from './signalling.js';

// Addresses that must never reach a rendezvous server: private, loopback, link-local, CGNAT,
// unique-local, multicast, unspecified, and IPv4-mapped forms of them.
const PRIVATE = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv6');
}

/** True for an address that is fine to publish (globally routable as far as Kith can tell). */
export function isPublicAddress(address: string, family: 'ipv4' | 'ipv6'): boolean {
  if (family === 'ipv4') return net.isIPv4(address) && !PRIVATE.check(address, 'ipv4');
  if (!net.isIPv6(address)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return false; // a v4 address belongs in the ipv4 slot
  return !PRIVATE.check(address, 'ipv6');
}

/**
 * Keep only public endpoints. `allowPrivate` is for the NAT lab and loopback tests, where the
 * "public" side of a simulated NAT lives in a private range; it is off in the product.
 */
export function publicOnly(endpoints: PublicEndpoints | null | undefined, allowPrivate = false): PublicEndpoints {
  const keep = (e: Endpoint | null | undefined, family: 'ipv4' | 'ipv6'): Endpoint | null => {
    if (!e || e.family !== family || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return null;
    const valid = family === 'ipv4' ? net.isIPv4(e.address) : net.isIPv6(e.address);
    if (!valid) return null;
    if (!allowPrivate && !isPublicAddress(e.address, family)) return null;
    return { address: e.address, port: e.port, family };
  };
  return { ipv4: keep(endpoints?.ipv4, 'ipv4'), ipv6: keep(endpoints?.ipv6, 'ipv6') };
}
