import type { Request, Response } from 'express';
import { KithError, type RouteMethod, type RouteOptions, type RouteRequest, type RouteResponse } from '@kith/sdk';
import { MEDIA_TOKEN_PARAM } from '../gateway/media-url.js';
import { isByteStream, writeByteStream } from './route-stream-reply.js';

/** Request headers an extension never sees: the launch secret and credentials. */
const HIDDEN_HEADERS = new Set(['x-kith-secret', 'cookie', 'authorization', 'proxy-authorization']);

/** Response headers an extension may not set: framing, cookies and the page's security policy. */
const REFUSED_HEADERS = new Set([
  'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te',
  'set-cookie', 'content-security-policy', 'x-frame-options', 'x-content-type-options', 'strict-transport-security',
  'access-control-allow-origin', 'access-control-allow-credentials', 'referrer-policy',
]);
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,4096}$/;

/** The SDK's plain-data {@link RouteRequest} for an express request (no live objects inside). */
export function toRouteRequest(req: Request, body: NonNullable<RouteOptions['body']>, stream?: AsyncIterable<Uint8Array>): RouteRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HIDDEN_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    // A media URL's capability opened this request; the handler has no use for it.
    if (name === MEDIA_TOKEN_PARAM) continue;
    if (typeof value === 'string') query[name] = value;
    else if (Array.isArray(value)) query[name] = value.filter((v): v is string => typeof v === 'string');
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries((req.params ?? {}) as Record<string, unknown>)) {
    params[name] = Array.isArray(value) ? value.join('/') : String(value);
  }
  return Object.freeze({
    method: req.method.toUpperCase() as RouteMethod,
    path: req.path,
    params: Object.freeze(params),
    query: Object.freeze(query),
    headers: Object.freeze(headers),
    body: body === 'stream' ? stream : readBody(req.body, body),
  });
}

function readBody(parsed: unknown, kind: NonNullable<RouteOptions['body']>): unknown {
  if (kind === 'none') return undefined;
  if (kind === 'raw') {
    // A plain Uint8Array view (not a Buffer): the same type an out-of-process extension gets.
    return Buffer.isBuffer(parsed) ? new Uint8Array(parsed.buffer, parsed.byteOffset, parsed.byteLength) : new Uint8Array(0);
  }
  return parsed;
}

/** The host's {@link RouteResponse}: collects a status and headers, then writes the answer. */
export class RouteReply implements RouteResponse {
  #status: number | undefined;
  #length: number | undefined;
  readonly #headers = new Map<string, string>();

  status(code: number): RouteResponse {
    if (!Number.isInteger(code) || code < 200 || code > 599) throw new RangeError(`A route status must be a whole number from 200 to 599, got ${code}`);
    this.#status = code;
    return this;
  }

  header(name: string, value: string): RouteResponse {
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    // The extension's mistake, not the client's: 500 (KITH_ERR_INTERNAL), naming the header.
    if (!HEADER_NAME.test(lower) || REFUSED_HEADERS.has(lower)) {
      const own = lower === 'x-content-type-options' || lower === 'content-security-policy' ? ' (Kith sets it on every extension answer)' : '';
      throw new KithError('KITH_ERR_INTERNAL', `A route may not set the header "${String(name).slice(0, 64)}"${own}`);
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      throw new KithError('KITH_ERR_INTERNAL', `The value of header "${lower}" must be a single-line string of at most 4096 characters`);
    }
    this.#headers.set(lower, value);
    return this;
  }

  length(bytes: number): RouteResponse {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`A route answer's length must be a whole number of bytes, got ${bytes}`);
    this.#length = bytes;
    return this;
  }

  /** Write `result` with the collected status and headers (a stream as it comes; HEAD: headers only). */
  async send(req: Request, res: Response, result: unknown): Promise<void> {
    if (res.headersSent) return;
    if (isByteStream(result)) {
      const writeHead = () => {
        for (const [name, value] of this.#headers) res.setHeader(name, value);
        if (!this.#headers.has('content-type')) res.type('application/octet-stream');
        res.status(this.#status ?? 200);
      };
      if (req.method !== 'HEAD') return writeByteStream(res, result, this.#length, writeHead);
      writeHead();
      if (this.#length !== undefined) res.setHeader('Content-Length', this.#length);
      res.end();
      return;
    }
    for (const [name, value] of this.#headers) res.setHeader(name, value);
    if (result === undefined) {
      res.status(this.#status ?? 204).end();
    } else if (result instanceof Uint8Array) {
      if (!this.#headers.has('content-type')) res.type('application/octet-stream');
      res.status(this.#status ?? 200).send(Buffer.from(result.buffer, result.byteOffset, result.byteLength));
    } else {
      res.status(this.#status ?? 200).json(result);
    }
  }
}
