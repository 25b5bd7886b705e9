import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { Disposable, KithError, isKithError, type RouteHandler, type RouteOptions, type Routes } from '@kith/sdk';
import { toRouteRequest, RouteReply } from './route-request.js';
import { MAX_STREAMED_BODY, RouteBodyStream } from './route-body-stream.js';
import type { ExtensionScope } from '../core/area.js';
import type { ExtensionRecord } from './extension-record.js';
import { ROUTE_PATTERN } from './manifest-schema.js';
import { jsonBody } from '../gateway/json-route.js';
import { diskFullOr } from '../storage/disk-full.js';
import { shadows } from './route-shadowing.js';
import { urlMatchesRoute } from './route-match.js';
import { catalogued } from './extension-errors.js';

/** Why a declared route cannot run right now (off, faulted), or undefined when it may. */
export type RouteGate = (extensionId: string) => Promise<KithError | undefined>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

interface Registration {
  readonly handler: RouteHandler;
  readonly parseBody: RequestHandler | undefined;
  readonly body: NonNullable<RouteOptions['body']>;
  /** The limit of a streamed body (the parsers carry their own). */
  readonly limit: number;
  readonly scope: ExtensionScope;
}

/**
 * Every route pattern the installed extensions declare is mounted once, up front, on one router;
 * `ctx.routes` only fills in and clears the handler behind a pattern. A pattern whose extension
 * is off answers 404 naming it, a faulted one 503, and an unfilled one falls through to 404.
 */
export class RouteTable {
  readonly router: Router = express.Router();
  readonly #registrations = new Map<string, Registration>();
  readonly #gate: RouteGate;
  /** Every pattern mounted, in mount order (the order requests are matched in). */
  readonly #mounted: string[] = [];
  /** Pattern → the earlier pattern (maybe another extension's) that answers its requests first. */
  readonly #shadowedBy = new Map<string, string>();

  constructor(gate: RouteGate) {
    this.#gate = gate;
  }

  /** Mount the declared patterns of `record`; a pattern express cannot compile faults it. */
  declare(record: ExtensionRecord): void {
    for (const declared of record.manifest?.contributes?.routes ?? []) {
      const [, method, path] = ROUTE_PATTERN.exec(declared)!;
      try {
        const dispatch = this.#dispatch(record.id, declared);
        this.router[method!.toLowerCase() as Method](path!, dispatch);
        // A built-in's well-known path is also reachable under its own prefix, like everyone's.
        const own = `/ext/${record.id}`;
        if (record.builtin && path !== own && !path!.startsWith(`${own}/`)) this.router[method!.toLowerCase() as Method](`${own}${path}`, dispatch);
        const earlier = this.#mounted.find((candidate) => shadows(candidate, declared));
        if (earlier !== undefined) this.#shadowedBy.set(declared, earlier);
        this.#mounted.push(declared);
      } catch (error) {
        record.installError ??= new KithError('KITH_ERR_MANIFEST_INVALID', `Route "${declared}": ${(error as Error).message}`);
      }
    }
  }

  /** `ctx.routes` for one extension. */
  forScope(scope: ExtensionScope): Routes {
    const add = (method: Method) => (path: string, handler: RouteHandler, options?: RouteOptions) =>
      this.#register(scope, method, path, handler, options);
    return { get: add('get'), post: add('post'), put: add('put'), patch: add('patch'), delete: add('delete') };
  }

  /**
   * The limit of the streamed route `METHOD url` would reach, if any: the gateway's front door lets
   * such a request declare a body over its ordinary bound (the route still checks its own limit).
   */
  streamLimit(method: string, url: string): number | undefined {
    for (const [key, registration] of this.#registrations) {
      if (registration.body !== 'stream') continue;
      const space = key.indexOf(' ');
      const { id, builtin } = registration.scope.extension;
      const path = key.slice(space + 1);
      const matches = urlMatchesRoute(path, url) || (builtin && urlMatchesRoute(`/ext/${id}${path}`, url));
      if (key.slice(0, space) === method.toUpperCase() && matches) return registration.limit;
    }
    return undefined;
  }

  /** Registered `METHOD /path` keys right now (for diagnostics and tests). */
  registered(): string[] {
    return [...this.#registrations.keys()];
  }

  #register(scope: ExtensionScope, method: Method, path: string, handler: RouteHandler, options: RouteOptions = {}): Disposable {
    const key = `${method.toUpperCase()} ${path}`;
    const id = scope.extension.id;
    if (typeof handler !== 'function') throw new TypeError('A route handler must be a function');
    if (!(scope.manifest.contributes?.routes ?? []).includes(key)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Extension "${id}" does not declare route "${key}" in contributes.routes`);
    }
    if (this.#registrations.has(key)) throw new KithError('KITH_ERR_DUPLICATE', `Route "${key}" is already registered`);
    const registration: Registration = { handler, parseBody: bodyParser(options), body: options.body ?? 'json', limit: options.limit ?? 0, scope };
    this.#registrations.set(key, registration);
    const shadowedBy = this.#shadowedBy.get(key);
    if (shadowedBy !== undefined) {
      scope.log.warn(`route "${key}" never runs: "${shadowedBy}" is mounted earlier and matches its requests first`, { route: key, shadowedBy });
    }
    return scope.track(
      new Disposable(() => {
        if (this.#registrations.get(key) === registration) this.#registrations.delete(key);
      }),
    );
  }

  #dispatch(extensionId: string, key: string): RequestHandler {
    return async (req, res, next) => {
      const blocked = await this.#gate(extensionId);
      if (blocked) return next(blocked);
      const registration = this.#registrations.get(key);
      if (!registration) return next();
      if (registration.parseBody) {
        const parsed = await new Promise<unknown>((resolve) => registration.parseBody!(req, res, resolve));
        if (parsed) return next(parsed);
      }
      if (registration.body === 'stream') {
        const refused = RouteBodyStream.refuseDeclared(req, registration.limit);
        if (refused) return next(refused);
      }
      await run(registration, req, res).catch(async (error: unknown) => {
        // The extension stopped under the request (Kith locked, turned off, faulted): answer what a
        // new request would get now (423, 404, 503), not that its context was revoked.
        const stoppedNow = isKithError(error) && error.code === 'KITH_ERR_CONTEXT_REVOKED' ? await this.#gate(extensionId).catch(() => undefined) : undefined;
        next(stoppedNow ?? error);
      });
    };
  }
}

/**
 * Call the handler with the request as plain data; its value becomes JSON (bytes for a
 * `Uint8Array`, a streamed answer for an async iterable, an empty answer for undefined). A
 * non-Kith throw, from the handler or its answer stream, faults the extension. A streamed body
 * that passed its limit answers 413 whatever the handler did.
 */
/** The policy on every extension answer: a document opened from one can run and load nothing. */
export const EXTENSION_ANSWER_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

async function run(registration: Registration, req: Request, res: Response): Promise<void> {
  const reply = new RouteReply();
  // Whatever an extension answers (a received file named .html, an SVG), it is never sniffed into
  // script and, opened as a page, runs sandboxed in an opaque origin with nothing to load.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', EXTENSION_ANSWER_CSP);
  const body = registration.body === 'stream' ? new RouteBodyStream(req, registration.limit) : undefined;
  try {
    let result: unknown;
    try {
      result = await registration.handler(toRouteRequest(req, registration.body, body), reply);
    } finally {
      if (body?.overLimit) throw body.overLimit;
    }
    // A streamed body the handler left unread is not drained: the connection closes instead.
    if (body && !req.complete) res.setHeader('Connection', 'close');
    await reply.send(req, res, result);
  } catch (thrown) {
    const error = isKithError(thrown) ? catalogued(thrown, registration.scope.manifest) : diskFullOr(thrown);
    // A full disk is the machine's state (507), whichever host call the handler met it in.
    if (isKithError(error)) throw error;
    registration.scope.fault(error);
    const id = registration.scope.extension.id;
    throw new KithError('KITH_ERR_EXTENSION_FAULTED', `Extension "${id}" failed while handling ${req.method} ${req.baseUrl}${req.path}`, {
      extension: id,
    });
  }
}

/** Size limits are enforced by body-parser from Content-Length and while streaming, before parsing. */
function bodyParser(options: RouteOptions): RequestHandler | undefined {
  const kind = options.body ?? 'json';
  if (kind === 'stream') {
    if (!Number.isSafeInteger(options.limit) || options.limit! < 0 || options.limit! > MAX_STREAMED_BODY) {
      throw new RangeError('A streamed body needs RouteOptions.limit: a whole number of bytes up to 16 GiB');
    }
    return undefined;
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0 || options.limit > 64 * 1024 * 1024)) {
    throw new RangeError('RouteOptions.limit must be a whole number of bytes up to 64 MiB');
  }
  if (kind === 'none') return undefined;
  if (kind === 'raw') return express.raw({ limit: options.limit ?? 1024 * 1024, type: () => true });
  if (kind === 'json') return jsonBody(options.limit ?? 64 * 1024, false);
  throw new RangeError(`RouteOptions.body must be json, raw, stream or none, got "${String(kind)}"`);
}
