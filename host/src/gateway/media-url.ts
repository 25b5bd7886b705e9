import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { KithError } from '@kith/sdk';

/**
 * Media URLs: a `<video>`, `<audio>` or `<img>` element fetches its `src` itself and cannot send the
 * launch secret header, so the page asks for a URL that carries a capability instead: an HMAC,
 * under the launch secret, of one API path (below `/api`) and an expiry. It opens that path only,
 * for GET and HEAD only, until the expiry or the next launch (the secret changes every launch).
 * Host, Origin and fetch-site checks and the lock gate still apply to every request that uses it.
 */

/** The query parameter that carries the capability. */
export const MEDIA_TOKEN_PARAM = 'kith_media';
/** How long a media URL works. */
export const MEDIA_URL_TTL_MS = 60 * 60 * 1000;
const MAX_PATH_CHARS = 2048;
const MAX_TOKEN_CHARS = 64;
const DOMAIN = 'kith:media-url:v1\n';

export interface MediaUrlSigner {
  /** `/api<path>?kith_media=<token>` for `path` (below `/api`, no query), valid for {@link MEDIA_URL_TTL_MS}. */
  sign(path: unknown, now?: number): { readonly url: string; readonly expiresAt: number };
  /** True when `token` opens `path` (below `/api`, as the request names it) at `now`. */
  opens(path: string, token: unknown, now?: number): boolean;
}

/** The path as a browser will request it: normalised, percent-encoded, without query or fragment. */
export function canonicalMediaPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_CHARS || !path.startsWith('/') || path.startsWith('//')) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'path must be an API path below /api, starting with "/", at most 2048 characters');
  }
  if (/[?#\\]/.test(path) || /[\u0000-\u001f\u007f]/.test(path)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'path must not hold a query, a fragment, a backslash or control characters');
  }
  return new URL(path, 'http://kith.invalid').pathname;
}

export function createMediaUrlSigner(secret: string): MediaUrlSigner {
  const mac = (path: string, expiresAt: number): Buffer =>
    createHmac('sha256', secret).update(`${DOMAIN}${expiresAt}\n${path}`).digest().subarray(0, 18);

  return {
    sign(path, now = Date.now()) {
      const canonical = canonicalMediaPath(path);
      const expiresAt = now + MEDIA_URL_TTL_MS;
      const token = `${expiresAt.toString(36)}.${mac(canonical, expiresAt).toString('base64url')}`;
      return { url: `/api${canonical}?${MEDIA_TOKEN_PARAM}=${token}`, expiresAt };
    },
    opens(path, token, now = Date.now()) {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return false;
      const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{24})$/.exec(token);
      if (!match) return false;
      const expiresAt = parseInt(match[1]!, 36);
      if (!Number.isSafeInteger(expiresAt) || expiresAt <= now || expiresAt > now + MEDIA_URL_TTL_MS) return false;
      const given = Buffer.from(match[2]!, 'base64url');
      const wanted = mac(path, expiresAt);
      return given.length === wanted.length && timingSafeEqual(given, wanted);
    },
  };
}

/** Types of API data (JSON and its relatives), never what a media URL opens. */
const DATA_TYPES = /^\s*(application\/(([\w.-]+\+)?json|(x-)?ndjson|json-seq)|text\/json)\b/i;

/**
 * A media URL opens media and files, never the API's data: an answer (2xx) of a JSON type to a
 * request that came with only a media capability becomes 403, decided as its headers go out
 * (whether written whole, streamed, or flushed first), so a leaked URL of `/self/messages` (the
 * signer signs any path) shows nothing. Error answers pass as they are.
 */
export function refuseDataAnswers(res: ServerResponse): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const writeHead = res.writeHead.bind(res) as (status: number) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  const refusal = JSON.stringify(new KithError('KITH_ERR_FORBIDDEN', "A media URL opens media and files, not the API's data").toJSON());
  let refused = false;
  let ended = false;
  /** Just before the headers go out: a data answer becomes the refusal. */
  const decide = () => {
    if (refused || res.headersSent || res.statusCode >= 300 || !DATA_TYPES.test(String(res.getHeader('content-type') ?? ''))) return;
    refused = true;
    res.statusCode = 403;
    for (const name of ['etag', 'last-modified', 'content-range', 'content-disposition', 'transfer-encoding']) res.removeHeader(name);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(refusal));
  };
  const finish = () => {
    if (!ended) {
      ended = true;
      end(refusal);
    }
    return res;
  };
  res.flushHeaders = () => {
    decide();
    flushHeaders();
  };
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
    if (headers) for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value as string);
    res.statusCode = status;
    decide();
    return writeHead(res.statusCode);
  }) as ServerResponse['writeHead'];
  res.write = ((...args: unknown[]) => {
    decide();
    if (!refused) return write(...args);
    finish();
    return true; // the rest of a refused answer goes nowhere, at once (no drain would come)
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    decide();
    return refused ? finish() : end(...args);
  }) as ServerResponse['end'];
}
