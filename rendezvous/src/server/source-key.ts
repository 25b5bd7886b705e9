import { ipKeyGenerator } from 'express-rate-limit';

/**
 * Who a request comes from, for the rate limiter and the per-source caps: the client address,
 * IPv4 as is, IPv6 grouped by /56 (one subscriber usually holds a whole /56, so a /128 per request
 * would make every cap per-request). Kept in this process's memory only, never in a room store.
 */
export function sourceOf(ip: string | undefined): string {
  return ipKeyGenerator(ip ?? 'unknown', 56);
}
