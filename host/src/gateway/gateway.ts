import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router } from 'express';
import { Server as SocketServer } from 'socket.io';
import type { HostLogger } from '../log.js';
import { admitSameUserOnly } from './same-user-only.js';
import type { PersonaGate } from '../core/persona-gate.js';
import { apiNotFound, errorResponder, notFound } from './http-errors.js';
import { boundDeclaredBodies, type BodyAllowance } from './body-bound.js';
import { requireUnlocked } from './lock-gate.js';
import { answerOtherUpgrades } from './stray-upgrades.js';
import { PLAIN_SOCKET_PATH, PlainSockets } from './plain-websocket.js';
import { serveClient } from './static-client.js';
import { createSecurity } from './security.js';
import { answer, jsonBody } from './json-route.js';
import { mountUiFrames, type FrameDevicePolicy } from './ui-frames.js';

/**
 * The local HTTP + socket.io front door. Routes are added in two groups under `/api`: `public`
 * (health, identity) and `protected` (everything else, behind the lock gate). Static client files
 * are served last.
 */
export interface Gateway {
  readonly app: Express;
  readonly server: http.Server;
  readonly io: SocketServer;
  /** Plain WebSocket clients of `/api/ws` (the same events as socket.io, as JSON text frames). */
  readonly plainSockets: PlainSockets;
  /** Routes that work while locked. */
  readonly publicApi: Router;
  /** Routes that answer 423 while locked. */
  readonly protectedApi: Router;
  /** Express middleware that runs before every `/api` route (security checks go here). */
  readonly guards: Router;
  /** Let requests `allowance` names declare bodies over the front door's 64 MiB (streamed routes). */
  allowLargeBodies(allowance: BodyAllowance): void;
  /** Say which extensions' views may use the microphone, camera and screen capture in their frames (ui-frames.ts). */
  setFrameDevicePolicy(policy: FrameDevicePolicy): void;
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly log: HostLogger;
  readonly gate: PersonaGate;
  /** Folder of the built client (index.html + assets), if any. */
  readonly clientDir?: string;
  /** The per-launch API secret (see security.ts); every /api request and socket must carry it. */
  readonly launchSecret: string;
}

export function createGateway(options: GatewayOptions): Gateway {
  // `root` wraps `app`, where areas keep adding routes after this returns: its error handler and
  // JSON 404 come after every one of them (an error in a late route, such as a URIError from
  // decoding `/ext/chat/%`, must never reach Express's HTML page with its stack and paths).
  const root = express();
  const app = express();
  for (const each of [root, app]) {
    each.disable('x-powered-by');
    each.set('etag', false);
    each.set('trust proxy', false);
  }
  root.use(app);
  root.use(notFound);
  root.use(errorResponder(options.log));

  const server = http.createServer(root);
  // Each connection waits unread until its user is known; another user's is closed.
  admitSameUserOnly(server, options.log);
  const security = createSecurity({ secret: options.launchSecret, address: () => server.address() });
  app.use(security.hostGuard);
  const guards = express.Router();
  guards.use(security.secretGuard);
  const publicApi = express.Router();
  const protectedApi = express.Router();
  app.use('/api', guards, publicApi, requireUnlocked(options.gate), protectedApi, apiNotFound);
  const frames = mountUiFrames(app, protectedApi, {
    clientDir: options.clientDir,
    gate: options.gate,
    address: () => server.address(),
    iconFontUrl: security.iconFont.url,
  });
  serveClient(app, options.clientDir, security);
  // A media element's `src` cannot send the secret header: the page trades a path for a URL that
  // carries a capability for it (media-url.ts). Only while unlocked, like what it opens.
  protectedApi.post(
    '/media-url',
    jsonBody(4096),
    answer((req) => {
      const { url, expiresAt } = security.mediaUrls.sign((req.body as { path?: unknown } | undefined)?.path);
      return { url, expires_at: expiresAt };
    }),
  );

  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  const io = new SocketServer(server, {
    path: PLAIN_SOCKET_PATH, // socket.io answers below it (`/api/ws/`), the plain socket at it
    serveClient: false,
    maxHttpBufferSize: 2 * 1024 * 1024,
    cors: undefined,
    allowRequest: security.allowRequest,
  });
  io.engine.use(security.engineGuard);
  // engine.io answers its path with a trailing slash (as it normalises the option).
  const plainSockets = new PlainSockets(security.plainSockets);
  answerOtherUpgrades(server, `${io.path().replace(/\/$/, '')}/`, plainSockets);
  io.use(security.socketGuard);
  const allowances: BodyAllowance[] = [];
  boundDeclaredBodies(server, undefined, (method, url) => Math.max(0, ...allowances.map((allow) => allow(method, url) ?? 0)) || undefined);

  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    app,
    server,
    io,
    plainSockets,
    publicApi,
    protectedApi,
    guards,
    allowLargeBodies(allowance) {
      allowances.push(allowance);
    },
    setFrameDevicePolicy(policy) {
      frames.setDevicePolicy(policy);
    },
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      // socket.io's close also closes the HTTP server, which waits for every connection to end: a
      // websocket whose page does not answer the close handshake held it for ws's 30 s close
      // timeout. So the connections are cut at once, not after socket.io is done.
      const ioClosed = new Promise<void>((resolve) => io.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await ioClosed;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
