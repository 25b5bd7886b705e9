import type { FamilyReport, Verdict } from './check-item.js';

/**
 * One plain sentence from the two families' results. Kith connects over IPv6 directly, over IPv4
 * by scheduled hole punching (needs an endpoint-independent mapping on at least one side), or on
 * the LAN; it has no relay. An unknown never turns into a "will fail".
 */
export function judgeVerdict(ipv4: FamilyReport, ipv6: FamilyReport): Verdict {
  const v4 = ipv4.udp.state === 'yes' && ipv4.publicEndpoint.state === 'yes';
  const v6 = ipv6.udp.state === 'yes' && ipv6.publicEndpoint.state === 'yes';
  if (!v4 && !v6) {
    if (ipv4.udp.state === 'no' && ipv6.udp.state !== 'yes') {
      return {
        level: 'blocked',
        text: `UDP seems blocked: ${ipv4.udp.reason}. Kith has no relay, so only friends on the same LAN can be reached.`,
      };
    }
    if (ipv6.udp.state === 'no' && ipv4.udp.state !== 'yes') {
      return { level: 'blocked', text: `UDP seems blocked: ${ipv6.udp.reason}; over IPv4: ${ipv4.udp.reason}.` };
    }
    return { level: 'unknown', text: `The check could not tell whether UDP works: ${ipv4.udp.reason}.` };
  }
  const mapping = ipv4.mapping;
  if (v4 && mapping.state === 'yes') {
    return {
      level: 'good',
      text: v6
        ? 'Direct connections should work with most friends (IPv6 direct, and IPv4 hole punching).'
        : 'Direct connections should work with most friends (IPv4 hole punching works through your router).',
    };
  }
  if (v4 && mapping.state === 'no') {
    return {
      level: v6 ? 'limited' : 'poor',
      text: v6
        ? 'Direct connections should work with friends on IPv6; over IPv4, hole punching will fail with friends behind strict NATs (your router gives each destination its own port).'
        : 'Hole punching will fail with friends behind strict NATs: your router gives each destination its own port, and this network has no IPv6.',
    };
  }
  if (v6 && !v4) {
    return { level: 'limited', text: 'Direct connections should work only with friends on IPv6 (no usable IPv4 here).' };
  }
  return {
    level: 'limited',
    text: v6
      ? `Direct connections should work with friends on IPv6; whether IPv4 hole punching works is unknown: ${mapping.reason}.`
      : `UDP works over IPv4, but whether hole punching works is unknown: ${mapping.reason}.`,
  };
}
