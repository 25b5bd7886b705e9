import { no, unknown, yes, type RendezvousReport } from './check-item.js';

const TIMEOUT_MS = 2000;
const MAX_ANSWER_BYTES = 1024;
const SAMPLES = 2;

/**
 * The rendezvous server's clock offset and round trip, from `GET /r/time` (the request the host's
 * own clock sync makes). Measured here rather than through `ctx.rendezvous.time`, whose reading is
 * cached for a minute and so carries no round trip. The offset uses the fastest sample's midpoint.
 */
export async function measureRendezvous(url: string | undefined): Promise<RendezvousReport> {
  if (!url) return { reachable: unknown('no rendezvous server given (set one in the check or in the Diagnostics settings)') };
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { reachable: unknown('the rendezvous address is not an http(s) URL') };
  }
  let best: { rttMs: number; offsetMs: number } | undefined;
  let failure: string | undefined;
  for (let i = 0; i < SAMPLES; i++) {
    try {
      const sample = await sampleTime(new URL('/r/time', base));
      if (!best || sample.rttMs < best.rttMs) best = sample;
    } catch (error) {
      failure = (error as Error).message;
      break;
    }
  }
  if (!best) return { reachable: no(`${base.host} did not answer /r/time: ${failure}`) };
  return {
    reachable: yes(`${base.host} answered in ${best.rttMs} ms`),
    offsetMs: best.offsetMs,
    rttMs: best.rttMs,
  };
}

async function sampleTime(url: URL): Promise<{ rttMs: number; offsetMs: number }> {
  const sentAt = Date.now();
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  const text = await boundedText(response);
  const rttMs = Math.round(performance.now() - started);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const now = (JSON.parse(text) as { now?: unknown }).now;
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new Error('the answer has no clock');
  return { rttMs, offsetMs: Math.round(now - (sentAt + rttMs / 2)) };
}

async function boundedText(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_ANSWER_BYTES) throw new Error('the answer is too large');
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_ANSWER_BYTES) throw new Error('the answer is too large');
  return new TextDecoder().decode(bytes);
}
