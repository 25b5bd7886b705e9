import type { ErrorRequestHandler, RequestHandler } from 'express';
import { KithError, isKithError } from '@kith/sdk';
import type { HostLogger } from '../log.js';
import { diskFullOr } from '../storage/disk-full.js';
import { DAMAGED_DATABASE_MESSAGE, isDamagedDatabase } from '../storage/damaged-database.js';


/** Map body-parser failures, a full disk and anything else thrown by a route onto the error catalogue. */
export function toKithError(error: unknown): KithError {
  if (isKithError(error)) return error as KithError;
  // A full disk anywhere below a route (the vault, the database, a file): the machine's state.
  const full = diskFullOr(error);
  if (isKithError(full)) return full as KithError;
  const e = error as { type?: string; status?: number; message?: string; limit?: unknown };
  if (e?.type === 'entity.too.large') {
    // body-parser says which bound applied: name it, so a caller knows how much fits.
    return typeof e.limit === 'number'
      ? new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `This route takes a body of at most ${e.limit} bytes`, { limit: e.limit })
      : new KithError('KITH_ERR_PAYLOAD_TOO_LARGE');
  }
  if (e?.type === 'entity.parse.failed') return new KithError('KITH_ERR_BAD_REQUEST', 'The body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new KithError('KITH_ERR_BAD_REQUEST', 'Unsupported body encoding');
  }
  if (e?.status === 400) return new KithError('KITH_ERR_BAD_REQUEST', e.message);
  // A page of the database found damaged while serving (a start-up only reads what it needs):
  // still a 500, but one that says what is wrong rather than "Internal error".
  if (isDamagedDatabase(error)) return new KithError('KITH_ERR_INTERNAL', DAMAGED_DATABASE_MESSAGE);
  return new KithError('KITH_ERR_INTERNAL');
}

/** The last error handler: answers `{ error: { code, message } }`; logs unexpected errors (never bodies). */
export function errorResponder(log: HostLogger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const kithError = toKithError(error);
    if (kithError.status >= 500 && !isKithError(error)) {
      log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    // A body left unread (refused before parsing) is not drained: the connection closes instead.
    if (!req.complete) res.set('Connection', 'close');
    res.status(kithError.status).json(kithError.toJSON());
  };
}

/** Whatever no route answered (outside `/api` too) gets a JSON 404, never Express's HTML page. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new KithError('KITH_ERR_NOT_FOUND', `No route ${req.method} ${req.path}`));
};

/** Unknown `/api/*` routes answer a JSON 404 rather than falling through to the client. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new KithError('KITH_ERR_NOT_FOUND', `No route ${req.method} ${req.originalUrl.split('?')[0]}`));
};
