import type { RequestHandler } from 'express';
import { KithError } from '@kith/sdk';

/** The largest body any route may accept (RouteOptions.limit's own maximum). */
export const MAX_DECLARED_BODY = 64 * 1024 * 1024;

/**
 * Refuse a request whose declared `Content-Length` exceeds `max` before anything else runs, and
 * close the connection after the answer, so not one byte of the body is read (Node would
 * otherwise drain it to keep the connection alive). Routes check their own, smaller limits.
 */
export function declaredBodyBound(max = MAX_DECLARED_BODY): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= max)) {
      res.set('Connection', 'close');
      next(new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `A request body is at most ${max} bytes`));
      return;
    }
    next();
  };
}
