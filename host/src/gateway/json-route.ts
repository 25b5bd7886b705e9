import { KithError } from '@kith/sdk';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { jsonTextRefusal } from './json-bounds.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A JSON body parser: a body sent with another type is refused first (a plain `curl -d` sends a
 * form type: the client learns the type is the problem, not that some field was missing from "no
 * body"); then the size bound, checked before reading; then the text's depth and number of values
 * (json-bounds.ts), checked before parsing. `strict: false` takes any JSON value, not only
 * objects and arrays (extension routes).
 */
export function jsonBody(limitBytes = 64 * 1024, strict = true): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict, type: JSON_TYPES, verify: refuseHeavyText });
  return (req, res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(JSON_TYPES)) {
      const sent = String(req.headers['content-type'] ?? 'none').slice(0, 80);
      return next(new KithError('KITH_ERR_BAD_REQUEST', `The body must be JSON, sent with Content-Type: application/json (it came as ${sent})`));
    }
    // body-parser wraps what `verify` throws in a 403: hand on the refusal itself.
    return parse(req, res, (error?: unknown) => next((error as { refusal?: KithError } | undefined)?.refusal ?? error));
  };
}

/** body-parser's `verify`: runs on the raw bytes, before JSON.parse. */
function refuseHeavyText(_req: unknown, _res: unknown, bytes: Buffer, encoding: string): void {
  const refusal =
    encoding.toLowerCase() !== 'utf-8'
      ? new KithError('KITH_ERR_BAD_REQUEST', `JSON bodies are UTF-8 (this one came as ${encoding.slice(0, 40)})`)
      : ((reason) => reason && new KithError('KITH_ERR_BAD_REQUEST', `The JSON body ${reason}`))(jsonTextRefusal(bytes));
  if (refusal) throw Object.assign(new Error(refusal.message), { refusal });
}

/**
 * Adapt a handler that returns its answer: a value is sent as JSON, `undefined` as 204, unless the
 * handler already wrote the response itself. Express 5 forwards rejected promises to the error handler.
 */
export function answer(handler: (req: Request, res: Response) => unknown): RequestHandler {
  return async (req, res) => {
    const result = await handler(req, res);
    if (res.headersSent || res.writableEnded) return;
    if (result === undefined) res.status(204).end();
    else res.json(result);
  };
}
