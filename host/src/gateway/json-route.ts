import express, { type Request, type RequestHandler, type Response } from 'express';

/** A JSON body parser with a size bound; the bound is checked before the body is parsed. */
export function jsonBody(limitBytes = 64 * 1024): RequestHandler {
  return express.json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
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
