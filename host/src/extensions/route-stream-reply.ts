import type { Response } from 'express';
import { KithError } from '@kith/sdk';

/** Whether a handler's result is a stream to answer with (a `Uint8Array` is bytes, not a stream). */
export function isByteStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/**
 * Write a handler's stream to `res`, one piece at a time: the next piece is pulled only once the
 * socket took the last one, so a slow client never makes the host buffer. The first piece is
 * pulled before the headers go out, so a stream that fails at once (a missing blob) still gets a
 * clean error answer: its error is thrown from here. After that, a failure or a length other than
 * the declared one cuts the connection (the client sees a truncated answer, never a short one
 * passed off as whole). A client that goes away stops the stream through `return()`.
 */
export async function writeByteStream(
  res: Response,
  stream: AsyncIterable<Uint8Array>,
  declaredLength: number | undefined,
  writeHead: () => void,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  let gone = false;
  let open = true; // the iterator may still hold resources: return() it unless it ended or threw
  const onClose = () => {
    gone = true;
  };
  res.on('close', onClose);
  const pull = async () => {
    open = false;
    const step = await iterator.next();
    open = !step.done;
    // Checked here, so a bad first piece is refused before any header goes out.
    if (!step.done && !(step.value instanceof Uint8Array)) throw new TypeError('A streamed route answer must yield Uint8Array pieces');
    return step;
  };
  try {
    let step = await pull();
    writeHead();
    if (declaredLength !== undefined) res.setHeader('Content-Length', declaredLength);
    res.flushHeaders(); // committed: from here on a failure can only cut the answer
    let sent = 0;
    while (!step.done && !gone) {
      const piece = step.value;
      sent += piece.byteLength;
      if (declaredLength !== undefined && sent > declaredLength) return void res.destroy();
      if (piece.byteLength > 0 && !res.write(piece)) await drained(res);
      if (gone) return;
      step = await pull();
    }
    if (gone) return;
    // Fewer bytes than declared: cut, so the client does not take a short answer for a whole one.
    if (declaredLength !== undefined && sent !== declaredLength) return void res.destroy();
    res.end();
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy();
    if (!(error instanceof KithError)) throw error;
  } finally {
    res.off('close', onClose);
    if (open) await Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** Resolves once `res` can take more, or its connection closed. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
