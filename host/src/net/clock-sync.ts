/**
 * NTP-style clock sync against a rendezvous server's `GET /r/time` (Unix ms as JSON `{ now }` or
 * a bare number). Each sample gives offset = server − midpoint(send, receive) and RTT; the sample
 * with the smallest RTT wins, because its midpoint assumption is the least wrong.
 */
export interface ClockSample {
  readonly offsetMs: number;
  readonly rttMs: number;
}

export interface ClockSync extends ClockSample {
  readonly samples: number;
  /** Our clock plus the offset: the server's "now". */
  serverNow(): number;
}

const MAX_TIME_BODY = 256;

export async function syncClock(
  rendezvousUrl: string,
  options: { samples?: number; timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<ClockSync> {
  const count = options.samples ?? 5;
  const doFetch = options.fetchImpl ?? fetch;
  const url = new URL('/r/time', rendezvousUrl).toString();
  const samples: ClockSample[] = [];
  let lastError: unknown;
  for (let i = 0; i < count; i++) {
    try {
      samples.push(await sampleOnce(doFetch, url, options.timeoutMs ?? 3_000));
    } catch (error) {
      lastError = error;
    }
  }
  if (samples.length === 0) throw lastError instanceof Error ? lastError : new Error('clock sync failed');
  const best = samples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
  return { ...best, samples: samples.length, serverNow: () => Date.now() + best.offsetMs };
}

async function sampleOnce(doFetch: typeof fetch, url: string, timeoutMs: number): Promise<ClockSample> {
  const t0 = performance.now();
  const wall0 = Date.now();
  const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  const t1 = performance.now();
  if (!response.ok) throw new Error(`/r/time answered ${response.status}`);
  if (text.length > MAX_TIME_BODY) throw new Error('/r/time answer too large');
  const server = parseServerTime(text);
  const rtt = t1 - t0;
  const midpoint = wall0 + rtt / 2;
  return { offsetMs: server - midpoint, rttMs: rtt };
}

/** Accept `{"now":n}`, `{"time_ms":n}`, `{"unix_ms":n}`, `{"time":n}` or a bare number. */
export function parseServerTime(text: string): number {
  const value: unknown = JSON.parse(text);
  const candidates = typeof value === 'number' ? [value]
    : typeof value === 'object' && value !== null
      ? ['now', 'time_ms', 'unix_ms', 'time', 'ms'].map((k) => (value as Record<string, unknown>)[k])
      : [];
  const found = candidates.find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (found === undefined) throw new Error('/r/time answer has no time');
  return found;
}
