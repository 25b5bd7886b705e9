/**
 * A TCP/UDP port from an environment variable: `fallback` when unset or empty, else a whole number
 * 0..65535 (0 picks a free port). Throws a RangeError naming the variable. Shared by the host and
 * the rendezvous server (the host may import rendezvous, never the reverse).
 */
export function parsePort(raw: string | undefined, fallback: number, name = 'KITH_PORT'): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${name} must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return port;
}
