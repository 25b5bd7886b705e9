import type { Request } from 'express';
import { KithError } from '@kith/sdk';

/** `RouteOptions.limit`'s maximum for `body: 'stream'` (the gateway's front door allows this much). */
export const MAX_STREAMED_BODY = 16 * 1024 * 1024 * 1024;
/** Pieces handed to the handler are at most this large (a socket read is usually far smaller). */
const MAX_PIECE = 1024 * 1024;

/**
 * A request body for `body: 'stream'`: an async iterable over the socket that reads only as the
 * handler pulls (the request stays paused in between, so TCP pushes back on the client). It
 * throws `KITH_ERR_PAYLOAD_TOO_LARGE` once more than `limit` bytes arrived (see `overLimit`) and
 * `KITH_ERR_BAD_REQUEST` when the client goes away before the end.
 */
export class RouteBodyStream implements AsyncIterable<Uint8Array> {
  readonly #req: Request;
  readonly #limit: number;
  #started = false;
  /** Set once the body passed the limit: the answer is then 413 whatever the handler returns. */
  overLimit: KithError | undefined;

  constructor(req: Request, limit: number) {
    this.#req = req;
    this.#limit = limit;
  }

  /** 413 before reading when the declared `Content-Length` is already over the limit. */
  static refuseDeclared(req: Request, limit: number): KithError | undefined {
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= limit)) {
      return new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `This route takes a body of at most ${limit} bytes`, { limit });
    }
    return undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    if (this.#started) throw new KithError('KITH_ERR_CONFLICT', 'A streamed request body can be read only once');
    this.#started = true;
    const req = this.#req;
    let received = 0;
    // Node's own iterator pulls one buffered read at a time and keeps the stream paused otherwise;
    // leaving it early must not destroy the socket, which still has to carry the answer.
    const source = req.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
    try {
      while (true) {
        let step: IteratorResult<Buffer>;
        try {
          step = await source.next();
        } catch {
          throw new KithError('KITH_ERR_BAD_REQUEST', 'The client closed the connection before the body ended', { received });
        }
        if (step.done) {
          if (!req.complete) throw new KithError('KITH_ERR_BAD_REQUEST', 'The client closed the connection before the body ended', { received });
          return;
        }
        received += step.value.byteLength;
        if (received > this.#limit) {
          this.overLimit = new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `This route takes a body of at most ${this.#limit} bytes`, { limit: this.#limit });
          throw this.overLimit;
        }
        for (let at = 0; at < step.value.byteLength; at += MAX_PIECE) {
          const piece = step.value.subarray(at, at + MAX_PIECE);
          yield new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
        }
      }
    } finally {
      // Stop reading: whatever is left is not drained (the connection closes after the answer).
      await source.return?.().catch(() => undefined);
    }
  }
}
