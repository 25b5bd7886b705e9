import { KithError } from '@kith/sdk';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';

/** A JSON body parser with a size bound; the bound is checked before the body is parsed. */
export function jsonBody(limitBytes = 64 * 1024): RequestHandler {
  return withJsonType(express.json({ limit: limitBytes, strict: true, type: JSON_TYPES }));
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * `parse`, after refusing a body sent with another type (a plain `curl -d` sends a form type):
 * the client learns the type is the problem, not that some field was missing from "no body".
 * A body nested deeper than {@link MAX_JSON_DEPTH} is refused after parsing, before any handler.
 */
export function withJsonType(parse: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(JSON_TYPES)) {
      const sent = String(req.headers['content-type'] ?? 'none').slice(0, 80);
      return next(new KithError('KITH_ERR_BAD_REQUEST', `The body must be JSON, sent with Content-Type: application/json (it came as ${sent})`));
    }
    return parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (nestedDeeperThan(req.body)) return next(new KithError('KITH_ERR_BAD_REQUEST', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
      return next();
    });
  };
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
