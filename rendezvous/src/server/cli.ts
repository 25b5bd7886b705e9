import { parsePort } from '../shared/port.js';
import { resolveLimits, type RendezvousLimits } from './limits.js';
import { openRoomStore } from './open-store.js';
import { startRendezvousServer } from './server.js';

/**
 * `kith --server`: start the rendezvous server. `KITH_PORT` (default 8788), `KITH_HOST` (default
 * 0.0.0.0: a public host), `--store memory|redis://host:port`, `KITH_TRUST_PROXY` (e.g. `1` behind one proxy),
 * `KITH_RENDEZVOUS_TTL_MS` (entry lifetime, default 10 minutes), `KITH_RENDEZVOUS_LIMITS` (JSON
 * overrides of `RendezvousLimits`, e.g. `{"maxEntriesPerSourceInRoom":16}`).
 * Stops gracefully on SIGINT/SIGTERM.
 */
export async function runRendezvousFromCli(args: { readonly store?: string }): Promise<void> {
  let port: number;
  try {
    port = parsePort(process.env.KITH_PORT, 8788);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const host = process.env.KITH_HOST || '0.0.0.0';
  let limits;
  try {
    const ttl = process.env.KITH_RENDEZVOUS_TTL_MS;
    limits = resolveLimits({ ...limitsFromEnv(process.env.KITH_RENDEZVOUS_LIMITS), ...(ttl ? { entryTtlMs: Number(ttl) } : {}) });
  } catch (error) {
    process.stderr.write(`KITH_RENDEZVOUS_LIMITS / KITH_RENDEZVOUS_TTL_MS: ${(error as Error).message}\n`);
    process.exit(2);
  }
  let store;
  try {
    store = await openRoomStore(args.store, limits);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const trust = process.env.KITH_TRUST_PROXY;
  let server;
  try {
    server = await startRendezvousServer({
      store, limits, host, port,
      trustProxy: trust === undefined || trust === '' ? false : /^\d+$/.test(trust) ? Number(trust) : trust,
      onError: (error) => process.stderr.write(`rendezvous: request failed: ${(error as Error).message}\n`),
    });
  } catch (error) {
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`Port ${port} is already in use. Set KITH_PORT to another port, e.g. KITH_PORT=9788.\n`);
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(`Kith rendezvous listening on http://${host}:${server.port} (store: ${store.kind})\n`);
  const stop = (signal: string) => {
    process.stdout.write(`Kith rendezvous: ${signal}, shutting down\n`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** `KITH_RENDEZVOUS_LIMITS`: a small JSON object of numbers; resolveLimits refuses unknown names. */
function limitsFromEnv(raw: string | undefined): Partial<RendezvousLimits> {
  if (raw === undefined || raw === '') return {};
  if (raw.length > 4096) throw new RangeError('KITH_RENDEZVOUS_LIMITS is longer than 4096 characters');
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RangeError('KITH_RENDEZVOUS_LIMITS must be a JSON object');
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'number') throw new RangeError(`KITH_RENDEZVOUS_LIMITS.${name} must be a number`);
  }
  return parsed as Partial<RendezvousLimits>;
}
