import { randomBytes } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { KithError, isKithError } from '@kith/sdk';
import { KITH_VERSION } from '../shared/version.js';
import { refuseBrowserRequests } from './browser-guard.js';
import { Tarpit } from './tarpit.js';
import { TokenBucketStore } from './token-bucket-store.js';
import { OWNER_SECRET_PATTERN, ROOM_PATTERN } from '../protocol.js';
import { ownerTagOf } from '../owner-tag.js';
import { decodeCursor, encodeCursor } from './room-cursor.js';
import type { RendezvousLimits } from './limits.js';
import type { RoomStore } from './room-store.js';
import { sourceOf } from './source-key.js';
import { SourceQuota } from './source-quota.js';

export interface RendezvousAppOptions {
  readonly store: RoomStore;
  readonly limits: RendezvousLimits;
  /** Unix ms; tests inject one. */
  readonly clock?: () => number;
  /** Express `trust proxy` (behind a load balancer or tunnel the client address comes from it). */
  readonly trustProxy?: boolean | number | string;
  /** Called for unexpected failures (never with request bodies). */
  readonly onError?: (error: unknown) => void;
}

/**
 * The `/r/*` HTTP API. Order matters: requests from web browsers are refused first, then the rate
 * limiter runs (a flood costs no parsing), then the size-bounded JSON parser, then zod validation,
 * then the per-source quota, then the store.
 * Owners arrive as secrets and reach the store only as their hashes (owner-tag.ts). Every error is
 * `{ error: { code, message } }` with a stable code.
 */
export function createRendezvousApp(options: RendezvousAppOptions): Express {
  const { store, limits } = options;
  const clock = options.clock ?? Date.now;
  const quota = new SourceQuota({ perRoom: limits.maxEntriesPerSourceInRoom, total: limits.maxEntriesPerSource });
  const caps = { maxEntriesPerRoom: limits.maxEntriesPerRoom, maxEntries: limits.maxEntries, maxStoreBytes: limits.maxStoreBytes };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);

  // Rooms change every few seconds: no proxy or tunnel in front may cache an answer.
  app.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  app.use('/r', refuseBrowserRequests());
  const tarpit = new Tarpit(limits.maxRefusalDelayMs, clock);
  const buckets = new TokenBucketStore({ capacity: limits.ratePerWindow, windowMs: limits.rateWindowMs, clock });
  app.use('/r', rateLimit({
    windowMs: limits.rateWindowMs,
    limit: limits.ratePerWindow,
    store: buckets,
    // sourceOf groups IPv6 by /56 itself (ipKeyGenerator), so the library's check for that is off.
    keyGenerator: (req) => sourceOf(req.ip),
    validate: { keyGeneratorIpFallback: false },
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => tarpit.refuse(req, next),
  }));
  // A declared Content-Length above the bound is refused at once and the connection closed, so
  // nothing of the body is read (body-parser alone would drain it before answering).
  app.use('/r', (req, res, next) => {
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBodyBytes) {
      res.setHeader('connection', 'close');
      res.status(413).json(new KithError('KITH_ERR_PAYLOAD_TOO_LARGE').toJSON());
      return;
    }
    next();
  });
  const json = express.json({ limit: limits.maxBodyBytes, strict: true, type: () => true });

  // Fields and parameters of no meaning here are ignored (clients of the reference send a `ttl`,
  // a cache-busting `_`); the body is bounded above, and only these are ever read.
  const publishBody = z.object({
    room: z.string().regex(ROOM_PATTERN, 'room must be 64 lowercase hex characters'),
    blob: z.string().min(1).max(limits.maxBlobBytes),
    // `null` is an absent owner (a serde or Go client sends one for an unset optional field).
    owner: z.string().regex(OWNER_SECRET_PATTERN, OWNER_MESSAGE).nullish(),
  });
  const unpublishBody = z.object({
    room: z.string().regex(ROOM_PATTERN, 'room must be 64 lowercase hex characters'),
    owner: z.string().regex(OWNER_SECRET_PATTERN, OWNER_MESSAGE),
  });
  const fetchQuery = z.object({
    cursor: z.string().max(80).optional(),
    limit: z.string().regex(/^[1-9][0-9]{0,5}$/, 'limit must be a positive whole number').optional(),
  });

  app.get('/r/health', (_req, res) => {
    res.json({ status: 'ok', role: 'rendezvous', version: KITH_VERSION });
  });
  app.get('/r/time', (_req, res) => {
    res.json({ now: clock() });
  });
  app.post('/r/publish', json, route(async (req) => {
    const raw = req.body as { blob?: unknown };
    if (typeof raw?.blob === 'string' && raw.blob.length > limits.maxBlobBytes) throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `The blob is larger than ${limits.maxBlobBytes} bytes`);
    const body = parse(publishBody, req.body);
    const now = clock();
    // The store keys entries by the public tag only; whoever holds the secret may replace or remove.
    const owner = ownerTagOf(body.owner ?? randomBytes(24).toString('base64url'));
    const expiresAt = now + limits.entryTtlMs;
    const undo = quota.claim(sourceOf(req.ip), body.room, owner, now, expiresAt);
    try {
      await stored(store.put({ room: body.room, owner, anonymous: body.owner == null, blob: body.blob, now, ttlMs: limits.entryTtlMs, caps }), options.onError);
    } catch (error) {
      undo();
      throw error;
    }
    return { stored: true, expiresAt };
  }));
  app.post('/r/unpublish', json, route(async (req) => {
    const body = parse(unpublishBody, req.body);
    const owner = ownerTagOf(body.owner);
    const removed = await stored(store.remove(body.room, owner), options.onError);
    if (removed) quota.release(body.room, owner);
    return { removed };
  }));
  app.get('/r/fetch/:room', route(async (req) => {
    const room = String(req.params.room);
    if (!ROOM_PATTERN.test(room)) throw new KithError('KITH_ERR_BAD_REQUEST', 'room must be 64 lowercase hex characters');
    const query = parse(fetchQuery, req.query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const maxEntries = Math.min(limits.fetchPageEntries, Number(query.limit ?? limits.fetchPageEntries));
    const page = await stored(store.page(room, clock(), { after, maxEntries, maxBytes: limits.fetchPageBytes }), options.onError);
    // A large page costs its reader more of its rate budget, so flooding fetches of a stuffed room
    // moves few bytes: the budget is spent on bytes, not only on requests.
    const bytes = page.entries.reduce((n, e) => n + e.blob.length, 0);
    buckets.charge(sourceOf(req.ip), Math.floor(bytes / limits.fetchBytesPerToken));
    return page.next ? { entries: page.entries, next: encodeCursor(page.next) } : { entries: page.entries };
  }));
  app.use((req, _res, next) => next(new KithError('KITH_ERR_NOT_FOUND', `No route ${req.method} ${req.path}`)));
  app.use(errorResponder(options.onError));
  return app;
}

const OWNER_MESSAGE = 'owner must be a secret of 16-64 characters of [A-Za-z0-9_-]';

function route(handler: (req: express.Request) => Promise<unknown>): RequestHandler {
  return async (req, res) => {
    res.json(await handler(req));
  };
}

/** A store call; a failure that is not a cap (Redis down, timeout) answers 503 with a stable code. */
async function stored<T>(call: Promise<T>, onError?: (error: unknown) => void): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isKithError(error)) throw error;
    onError?.(error);
    throw new KithError('KITH_ERR_STORE_UNAVAILABLE');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new KithError('KITH_ERR_BAD_REQUEST', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

function errorResponder(onError?: (error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const e = error as { type?: string; status?: number };
    let kithError: KithError;
    if (isKithError(error)) kithError = error;
    else if (e?.type === 'entity.too.large') kithError = new KithError('KITH_ERR_PAYLOAD_TOO_LARGE');
    else if (e?.type === 'entity.parse.failed') kithError = new KithError('KITH_ERR_BAD_REQUEST', 'The body is not valid JSON');
    else if (e?.status === 400 || e?.status === 415) kithError = new KithError('KITH_ERR_BAD_REQUEST');
    else {
      onError?.(error);
      kithError = new KithError('KITH_ERR_INTERNAL');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(kithError.status).json(kithError.toJSON());
  };
}
