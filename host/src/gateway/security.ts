import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import type { ExtendedError, Socket } from 'socket.io';
import { KithError } from '@kith/sdk';
import { createIconFontUrl, type IconFontUrl } from './icon-font-url.js';
import { MEDIA_TOKEN_PARAM, createMediaUrlSigner, refuseDataAnswers, type MediaUrlSigner } from './media-url.js';
import { SECRET_SUBPROTOCOL_PREFIX, type PlainSocketAdmission } from './plain-websocket.js';
import { FRAME_HOST } from './ui-frames.js';

/** The icon fonts of the built client, which sandboxed extension frames load too. */
const PUBLIC_FONT = /^\/icons\/[a-z0-9-]{1,64}\.woff2$/;
/** Where a browser puts a document it loads into a frame (`Sec-Fetch-Dest`). */
const FRAMED_DESTINATIONS = new Set(['iframe', 'frame', 'embed', 'object', 'fencedframe']);
/** A sandboxed extension frame's document (ui-frames.ts). */
const FRAME_DOCUMENT = /^\/ext-frame\/[A-Za-z0-9_-]{43}$/;

/**
 * Local API security: only Kith's own page may use the API.
 *
 * - Same user (every connection, before this module; same-user-only.ts): on Linux a connection
 *   whose client socket another account owns is closed unread.
 * - Host check (all requests, socket.io included): the Host header must name this server as
 *   `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>`. A DNS-rebinding page reaches us with
 *   its own host name in Host and is refused before anything is served, index.html included.
 * - Origin check (same places): when a browser sends Origin it must be exactly our own origin; a
 *   page on another local port or site is refused, whatever the method. `Origin: null` is refused.
 * - Launch secret (every `/api` request and the socket.io handshake): header `x-kith-secret`,
 *   compared in constant time. socket.io clients send it with `extraHeaders`; it is checked in
 *   engine.io's `allowRequest`, so a handshake without it gets no session id at all (a session
 *   upgraded to WebSocket is already known by its id; Host and Origin are still checked on each of
 *   its requests). It changes every launch and is delivered
 *   only inside index.html, which another origin cannot read.
 * - Media URLs (GET/HEAD only): a `kith_media` capability for exactly the requested path stands in
 *   for the secret, because media elements fetch their `src` without custom headers (media-url.ts).
 * - Exempt from the secret (not from Host/Origin): `GET /api/health`, which reveals only liveness,
 *   the program's version and the extension API's, so a launcher or monitor can probe the app
 *   without the secret.
 * - Framing: a request a browser makes to fill a frame (`Sec-Fetch-Dest: iframe` and the like)
 *   gets nothing but a view frame's one-time document.
 * - Sandboxed extension frames (ui-frames.ts) are other origins (`<label>.localhost:<port>`, or
 *   opaque): on such a Host only a frame's one-time document is served; a cross-site load passes
 *   only with a media URL's capability, for a nested frame's document, or for the icon font with
 *   this launch's font capability (icon-font-url.ts; the one answer that carries
 *   `Access-Control-Allow-Origin: *`, and only with the capability: any web site could read it else).
 * No other CORS headers are ever sent, so the browser blocks any cross-origin read on its own as well.
 */
export interface GatewaySecurity {
  /** Express middleware for every request: Host and Origin checks. */
  readonly hostGuard: RequestHandler;
  /** Express middleware for `/api`: the launch secret. Run after {@link hostGuard}. */
  readonly secretGuard: RequestHandler;
  /** socket.io engine `allowRequest`: Host, Origin and the secret header at the HTTP handshake, before a session exists. */
  allowRequest(req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void;
  /**
   * engine.io middleware (`io.engine.use`): Host and Origin on every request of a session, not only
   * its handshake. engine.io runs `allowRequest` only for requests without a session id, so a
   * polling request or WebSocket upgrade naming a live `sid` would otherwise skip both checks.
   */
  engineGuard(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /**
   * socket.io `io.use` middleware: Host, Origin and the secret header again, for each socket.io
   * connection of the engine.io session `allowRequest` let in. The header is required: a browser's
   * socket sends it on the polling handshake (`extraHeaders`); `auth` carries nothing the host reads.
   */
  socketGuard(socket: Socket, next: (err?: ExtendedError) => void): void;
  /** True when the request may receive the page (and so the secret). */
  isOwnPage(req: IncomingMessage): boolean;
  /**
   * A plain WebSocket at `/api/ws`: Host and Origin, and the secret in the `x-kith-secret` header
   * or as the subprotocol `kith-secret.<secret>` (a browser cannot set a WebSocket's headers).
   */
  readonly plainSockets: PlainSocketAdmission;
  /** The launch secret, for injection into index.html only. */
  readonly secret: string;
  /** Signs media URLs (one path, GET/HEAD, until expiry) under the launch secret. */
  readonly mediaUrls: MediaUrlSigner;
  /** The icon font's URL with this launch's capability, for frame documents (icon-font-url.ts). */
  readonly iconFont: IconFontUrl;
}

export interface SecurityOptions {
  readonly secret: string;
  /** The listening address (known after listen); until then every request is refused. */
  readonly address: () => AddressInfo | string | null;
}

/** Paths below `/api` that need no launch secret (Host and Origin are still checked). */
const SECRET_EXEMPT = new Set(['GET /health', 'HEAD /health']);

export const SECRET_HEADER = 'x-kith-secret';

export function createSecurity(options: SecurityOptions): GatewaySecurity {
  if (typeof options.secret !== 'string' || options.secret.length < 16) {
    throw new RangeError('The launch secret must be a string of at least 16 characters');
  }
  const secretBytes = Buffer.from(options.secret, 'utf8');

  // The listening address is fixed once listening; rebuild the set only if it changes. While the
  // server closes, address() is null but kept-alive connections still carry requests: they are
  // still ours (an empty set here would answer them 403, which a page reads as a stale secret).
  let cached: { key: string; hosts: ReadonlySet<string> } | undefined;
  const allowedHosts = (): ReadonlySet<string> => {
    const address = options.address();
    if (!address || typeof address === 'string') return cached?.hosts ?? new Set();
    const key = `${address.address} ${address.port}`;
    if (cached?.key === key) return cached.hosts;
    const port = address.port;
    const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    // A specific non-loopback bind address (tests in network namespaces) is also our own name.
    if (address.address !== '0.0.0.0' && address.address !== '::') {
      hosts.add(address.family === 'IPv6' ? `[${address.address}]:${port}` : `${address.address}:${port}`);
    }
    cached = { key, hosts };
    return hosts;
  };

  /** True for `<label>.localhost:<our port>`, the Host of a view's frame on an origin of its own. */
  const isFrameHost = (host: string | undefined): boolean => {
    const match = FRAME_HOST.exec(String(host).toLowerCase());
    const address = options.address();
    return match !== null && typeof address === 'object' && address !== null && Number(match[2]) === address.port;
  };

  /** Why a request fails the Host/Origin checks, or undefined when it passes. */
  const originProblem = (req: IncomingMessage): string | undefined => {
    const host = req.headers.host?.toLowerCase();
    if (!host || !allowedHosts().has(host)) return 'foreign Host header';
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return 'foreign Origin';
    // Subresource requests from another site (no-cors <img>/<script>) carry no Origin; the browser's
    // fetch metadata still names them. A top-level navigation (a link to Kith) is allowed: the page
    // it opens is ours and the other site cannot read it.
    const fetchSite = req.headers['sec-fetch-site'];
    const navigating = req.headers['sec-fetch-mode'] === 'navigate';
    if (!navigating && (fetchSite === 'cross-site' || fetchSite === 'same-site')) return 'cross-site request';
    return undefined;
  };

  // Constant time over the secret's bytes; a different length fails at once, which reveals only
  // the length (the same for every launch: 32 random bytes in base64url).
  const secretMatches = (candidate: unknown): boolean => {
    if (typeof candidate !== 'string' || candidate.length !== options.secret.length) return false;
    const bytes = Buffer.from(candidate, 'utf8');
    return bytes.length === secretBytes.length && timingSafeEqual(bytes, secretBytes);
  };

  /** The offered WebSocket subprotocol `kith-secret.<secret>` that carries the right secret, if any. */
  const protocolWithSecret = (protocols: Iterable<string>): string | undefined => {
    for (const p of protocols) if (p.startsWith(SECRET_SUBPROTOCOL_PREFIX) && secretMatches(p.slice(SECRET_SUBPROTOCOL_PREFIX.length))) return p;
    return undefined;
  };

  const mediaUrls = createMediaUrlSigner(options.secret);
  const iconFont = createIconFontUrl(options.secret);
  /** True for a GET/HEAD whose single `kith_media` parameter opens exactly this path. */
  const mediaTokenOpens = (method: string, path: string, url: string): boolean => {
    if (method !== 'GET' && method !== 'HEAD') return false;
    const query = url.indexOf('?');
    if (query < 0) return false;
    const params = new URLSearchParams(url.slice(query + 1));
    // The capability is for the path alone: a query it does not sign (`&format=text`) is refused.
    if ([...params.keys()].some((name) => name !== MEDIA_TOKEN_PARAM)) return false;
    const tokens = params.getAll(MEDIA_TOKEN_PARAM);
    return tokens.length === 1 && mediaUrls.opens(path, tokens[0]);
  };

  return {
    secret: options.secret,
    mediaUrls,
    iconFont,
    hostGuard(req, res, next) {
      // Nothing of Kith's but a view frame's document is ever a frame's content: a view frame (its
      // sandbox allows its own origin) that navigated itself to one of the page's documents must
      // not get it, even one that could not run script anyway.
      if (FRAMED_DESTINATIONS.has(String(req.headers['sec-fetch-dest'])) && !FRAME_DOCUMENT.test(req.path)) return next(new KithError('KITH_ERR_FORBIDDEN'));
      const problem = originProblem(req);
      if (!problem) return next();
      // A view's frame on an origin of its own (`<label>.localhost:<port>`) loads its one-time
      // document there, and nothing else (ui-frames.ts checks the token is for that origin).
      if (req.method === 'GET' && FRAME_DOCUMENT.test(req.path) && isFrameHost(req.headers.host)) return next();
      // A sandboxed extension frame is an opaque origin, so everything it loads is cross-site. Two
      // kinds of load carry no ambient authority and may come from it: a media URL (its capability
      // names the one path it opens) and the icon font (fetched with CORS, with its capability).
      if (problem !== 'foreign Host header') {
        if (mediaTokenOpens(req.method, req.path.startsWith('/api/') ? req.path.slice(4) : '', req.url)) return next();
        // A frame document: its one-time token is the capability, and a frame hosting a nested view loads it from its own opaque origin.
        if (req.method === 'GET' && FRAME_DOCUMENT.test(req.path)) return next();
        const query = req.url?.indexOf('?') ?? -1;
        if ((req.method === 'GET' || req.method === 'HEAD') && PUBLIC_FONT.test(req.path) && query >= 0 && iconFont.opens(req.url!.slice(query + 1))) {
          res.setHeader('Access-Control-Allow-Origin', '*');
          return next();
        }
      }
      next(new KithError('KITH_ERR_FORBIDDEN'));
    },
    secretGuard(req, res, next) {
      if (SECRET_EXEMPT.has(`${req.method} ${req.path}`)) return next();
      if (secretMatches(req.headers[SECRET_HEADER])) return next();
      if (!mediaTokenOpens(req.method, req.path, req.url)) return next(new KithError('KITH_ERR_FORBIDDEN'));
      refuseDataAnswers(res);
      next();
    },
    allowRequest(req, callback) {
      const refused = originProblem(req) !== undefined || !secretMatches(req.headers[SECRET_HEADER]);
      callback(refused ? 'KITH_ERR_FORBIDDEN' : null, !refused);
    },
    engineGuard(req, res, next) {
      if (originProblem(req) === undefined) return next();
      // Answered here, never passed on: a polling request gets 403; an upgrade's stand-in response
      // closes its socket on end().
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify(new KithError('KITH_ERR_FORBIDDEN').toJSON()));
    },
    socketGuard(socket, next) {
      const req = socket.request;
      if (originProblem(req) || !secretMatches(req.headers[SECRET_HEADER])) {
        next(Object.assign(new Error('KITH_ERR_FORBIDDEN'), { data: { code: 'KITH_ERR_FORBIDDEN' } }));
        return;
      }
      next();
    },
    isOwnPage(req) {
      return originProblem(req) === undefined;
    },
    plainSockets: {
      refusal(req) {
        const problem = originProblem(req);
        if (problem) return problem;
        if (secretMatches(req.headers[SECRET_HEADER])) return undefined;
        const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
        return protocolWithSecret(offered) === undefined ? 'no launch secret' : undefined;
      },
      secretProtocol: protocolWithSecret,
    },
  };
}
