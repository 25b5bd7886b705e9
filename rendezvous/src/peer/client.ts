import { KithError, isKithError, type ErrorCode, ERRORS } from '@kith/sdk';
import { z } from 'zod';

/** Defaults of {@link RendezvousClient}. */
export const CLIENT_TIMEOUT_MS = 8_000;
/** Largest answer read from a server: an unpaged full room of maximal blobs fits, a hostile stream does not. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/**
 * Pages one `fetch` follows at most. A Kith server's room (256 entries, pages of 64 entries or
 * 256 KiB) needs 16 at worst; a server that keeps answering `next` is cut off here.
 */
export const MAX_FETCH_PAGES = 32;
/** Entries one `fetch` gathers at most, over all its pages. */
export const MAX_FETCH_ENTRIES = 4096;

const entrySchema = z.object({ blob: z.string(), owner: z.string().optional(), storedAt: z.number() });
const fetchAnswer = z.object({ entries: z.array(entrySchema).max(MAX_FETCH_ENTRIES), next: z.string().min(1).max(200).optional() });
const timeAnswer = z.object({ now: z.number() });
const healthAnswer = z.object({ status: z.string(), role: z.string(), version: z.string() });

export type FetchedEntry = z.infer<typeof entrySchema>;

/** Server clock reading: `offsetMs` is server minus local, measured at the midpoint of the round trip. */
export interface ClockReading {
  readonly serverNow: number;
  readonly offsetMs: number;
  readonly rttMs: number;
}

/**
 * HTTP client for one rendezvous server. Every call has a timeout and reads a bounded answer.
 * Failures are `KithError`s: `KITH_ERR_TIMEOUT`, `KITH_ERR_UPSTREAM` (unreachable, bad answer), or
 * the server's own stable code (`KITH_ERR_RATE_LIMITED`, `KITH_ERR_ROOM_FULL`, ...).
 */
export class RendezvousClient {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.url = normaliseServerUrl(url);
    this.#timeoutMs = options.timeoutMs ?? CLIENT_TIMEOUT_MS;
  }

  async health(): Promise<z.infer<typeof healthAnswer>> {
    const answer = healthAnswer.parse(await this.#request('GET', '/r/health'));
    if (answer.role !== 'rendezvous') throw new KithError('KITH_ERR_UPSTREAM', 'That server is not a Kith rendezvous server');
    return answer;
  }

  async time(): Promise<ClockReading> {
    const sent = Date.now();
    const { now } = this.#parse(timeAnswer, await this.#request('GET', '/r/time'));
    const received = Date.now();
    return { serverNow: now, offsetMs: now - (sent + received) / 2, rttMs: received - sent };
  }

  async publish(room: string, blob: string, owner?: string): Promise<void> {
    await this.#request('POST', '/r/publish', owner === undefined ? { room, blob } : { room, blob, owner });
  }

  async unpublish(room: string, owner: string): Promise<void> {
    await this.#request('POST', '/r/unpublish', { room, owner });
  }

  /**
   * Every live entry of `room`, following the server's pages (`next`) up to {@link MAX_FETCH_PAGES}
   * and {@link MAX_FETCH_ENTRIES}. Owners are public tags (`ownerTagOf(secret)`), never secrets.
   */
  async fetch(room: string): Promise<FetchedEntry[]> {
    const entries: FetchedEntry[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_FETCH_PAGES; page++) {
      const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`;
      const answer = this.#parse(fetchAnswer, await this.#request('GET', `/r/fetch/${encodeURIComponent(room)}${query}`));
      entries.push(...answer.entries.slice(0, MAX_FETCH_ENTRIES - entries.length));
      // No next, a bound reached, or a cursor seen before (a server going round in circles): done.
      if (answer.next === undefined || entries.length >= MAX_FETCH_ENTRIES || seen.has(answer.next)) break;
      seen.add(answer.next);
      cursor = answer.next;
    }
    return entries;
  }

  #parse<T>(schema: z.ZodType<T>, value: unknown): T {
    const result = schema.safeParse(value);
    if (!result.success) throw new KithError('KITH_ERR_UPSTREAM', 'The rendezvous server gave a malformed answer');
    return result.data;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw asNetworkError(error, this.url);
    }
    let text: string;
    try {
      text = await readBounded(res, MAX_RESPONSE_BYTES);
    } catch (error) {
      throw isKithError(error) ? error : asNetworkError(error, this.url);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new KithError('KITH_ERR_UPSTREAM', `The rendezvous server answered ${res.status} without JSON`);
    }
    if (!res.ok) {
      const code = (parsed as { error?: { code?: unknown } })?.error?.code;
      if (typeof code === 'string' && code in ERRORS && code !== 'KITH_ERR_INTERNAL') {
        throw new KithError(code as ErrorCode, undefined, { server: this.url });
      }
      throw new KithError('KITH_ERR_UPSTREAM', `The rendezvous server answered ${res.status}`, { server: this.url });
    }
    return parsed;
  }
}

/** Only http(s) URLs with a host; trailing slashes dropped. */
export function normaliseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'The rendezvous URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new KithError('KITH_ERR_BAD_REQUEST', 'The rendezvous URL must start with http:// or https://');
  if (url.username || url.password || url.search || url.hash) throw new KithError('KITH_ERR_BAD_REQUEST', 'The rendezvous URL must not carry credentials, a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

async function readBounded(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) {
    await res.body?.cancel();
    throw new KithError('KITH_ERR_UPSTREAM', 'The rendezvous server answer is too large');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new KithError('KITH_ERR_UPSTREAM', 'The rendezvous server answer is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function asNetworkError(error: unknown, url: string): KithError {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new KithError('KITH_ERR_TIMEOUT', 'The rendezvous server did not answer in time', { server: url });
  return new KithError('KITH_ERR_UPSTREAM', 'The rendezvous server is unreachable', { server: url });
}
