/**
 * `serveRanged`: answer a GET (or HEAD) for content of known size with the status, headers and
 * streamed body HTTP Range asks for, the way a `<video>` element seeks (RFC 9110 §14).
 */
import type { RouteRequest, RouteResponse } from './context.js';
import { coalesceRanges, parseRange, type ByteRange } from './http-range.js';

/** Content a route serves in ranges, e.g. a blob: `read` streams any part of it on demand. */
export interface RangedContent {
  /** Bytes in the whole content. */
  readonly size: number;
  /** The media type of the content, e.g. `video/webm`. */
  readonly contentType: string;
  /** The bytes from `offset`, `length` of them (a blob: `ctx.blobs.readStream(id, { offset, length })`). */
  read(offset: number, length: number): AsyncIterable<Uint8Array>;
  /** A strong entity tag, quoted (`"v3"`): sent as `ETag` and matched against `If-Range`. */
  readonly etag?: string;
  /** When the content last changed: sent as `Last-Modified` and matched against `If-Range`. */
  readonly lastModified?: Date;
}

/**
 * Shape `response` for `request` and return the body to answer with (return it from the handler):
 * 200 with the whole content, 206 with one range (`Content-Range`) or several
 * (`multipart/byteranges`, overlapping ranges merged), or 416 with `Content-Range: bytes * /size`
 * and no body. Always sends `Accept-Ranges: bytes` and the exact `Content-Length`. An invalid
 * Range, a Range on another method, or an `If-Range` that does not match `etag` (strong
 * comparison) or `lastModified` (to the second) is ignored: the whole content, 200. On HEAD the
 * host sends the same headers and never reads the body.
 */
export function serveRanged(request: RouteRequest, response: RouteResponse, content: RangedContent): AsyncIterable<Uint8Array> | undefined {
  const { size, contentType } = content;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`serveRanged: size must be a whole number of bytes, got ${size}`);
  response.header('accept-ranges', 'bytes');
  if (content.etag !== undefined) response.header('etag', content.etag);
  if (content.lastModified !== undefined) response.header('last-modified', content.lastModified.toUTCString());

  const asked = request.method === 'GET' || request.method === 'HEAD' ? request.headers['range'] : undefined;
  const wanted = asked !== undefined && ifRangeHolds(request.headers['if-range'], content) ? parseRange(asked, size) : ({ kind: 'full' } as const);
  if (wanted.kind === 'unsatisfiable') {
    response.status(416).header('content-range', `bytes */${size}`);
    return undefined;
  }
  if (wanted.kind === 'full') {
    response.status(200).header('content-type', contentType).length(size);
    return size === 0 ? empty() : content.read(0, size);
  }
  const ranges = coalesceRanges(wanted.ranges);
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!;
    response.status(206).header('content-type', contentType).header('content-range', `bytes ${start}-${end}/${size}`).length(end - start + 1);
    return content.read(start, end - start + 1);
  }
  return multipart(response, content, ranges);
}

/** Several ranges as one `multipart/byteranges` body (RFC 9110 §14.6), its length known up front. */
function multipart(response: RouteResponse, content: RangedContent, ranges: readonly ByteRange[]): AsyncIterable<Uint8Array> {
  const boundary = `kith-${[...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const encoder = new TextEncoder();
  const heads = ranges.map(({ start, end }, i) =>
    encoder.encode(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${content.contentType}\r\nContent-Range: bytes ${start}-${end}/${content.size}\r\n\r\n`),
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const length = ranges.reduce((sum, { start, end }, i) => sum + heads[i]!.length + end - start + 1, tail.length);
  response.status(206).header('content-type', `multipart/byteranges; boundary=${boundary}`).length(length);
  return (async function* () {
    for (const [i, { start, end }] of ranges.entries()) {
      yield heads[i]!;
      yield* content.read(start, end - start + 1);
    }
    yield tail;
  })();
}

/** Whether a Range may be honoured: no `If-Range`, or one naming the current content. */
function ifRangeHolds(ifRange: string | undefined, content: RangedContent): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return content.etag !== undefined && !content.etag.startsWith('W/') && value === content.etag;
  if (content.lastModified === undefined) return false;
  const date = Date.parse(value);
  return Number.isFinite(date) && date === Math.floor(content.lastModified.getTime() / 1000) * 1000;
}

async function* empty(): AsyncIterable<Uint8Array> {}
