import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express, Request, Router } from 'express';
import { KithError } from '@kith/sdk';
import type { PersonaGate } from '../core/persona-gate.js';
import { answer, jsonBody } from './json-route.js';

/**
 * Sandboxed frames for third-party views. The shell never runs a third-party UI module in its own
 * document (which holds the launch secret): each view gets an `<iframe sandbox>` whose document is
 * another origin than the shell's, so it can read neither the shell's DOM nor its storage, and its
 * own requests fail the gateway's Host, Origin and fetch-site checks. It reaches Kith only through
 * messages the shell answers for its own extension.
 *
 * - Its origin: `http://<label>.localhost:<port>`, the label a hash of the persona's key and the
 *   extension id, so each extension of each persona has an origin (and storage) of its own, and a
 *   real origin may use the microphone and camera the page delegates. Browsers resolve
 *   `*.localhost` to loopback and treat it as a secure context. Where the page is not on a
 *   loopback name (a test bound to another address) the frame is an opaque origin instead
 *   (sandbox without `allow-same-origin`, served from the page's own host): as isolated, without
 *   storage or media devices.
 * - `POST /api/ui-frames { extension }` (the shell, with the secret) mints a frame:
 *   `{ url, proof, sandbox }`. `url` is good for one load within a minute, on its origin only.
 *   `proof` is written into that one document, which no other document can read, so the frame
 *   that shows it to the shell is the one loaded from `url`: a third-party frame that hosts a
 *   nested view (an open slot) places the nested frame but cannot pose as it.
 * - `GET /ext-frame/<token>`: the frame document: the bootstrap (the client's `kith-frame.js`)
 *   inline under a nonce, and a CSP that keeps it sandboxed even when opened as a top-level page.
 *   Its `Permissions-Policy` turns the microphone, camera and screen capture off unless the
 *   extension may use them (the extensions area says which may: `setDevicePolicy`). The header
 *   binds the document whatever its parent delegates, so a frame hosting a nested view cannot
 *   pass them on to a view that may not have them.
 */

const FRAME_TTL_MS = 60_000;
const MAX_PENDING_FRAMES = 512;
const BOOTSTRAP_FILE = 'kith-frame.js';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** What a framed document may do: run scripts and forms (their submit events), save downloads. Never popups or top navigation. */
export const FRAME_SANDBOX = 'allow-scripts allow-forms allow-downloads';
/** The same, for a frame on an origin of its own (its origin is never the page's, so this cannot reach the page). */
export const OWN_ORIGIN_FRAME_SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-downloads';
/** The Host of a frame on an origin of its own: `<label>.localhost:<port>`. */
export const FRAME_HOST = /^([a-f0-9]{20})\.localhost:(\d{1,5})$/;
const LOOPBACK_PAGE_HOST = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/;
const EXTENSION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The label of the origin a persona's views of one extension run on: stable, unlinkable across personas. */
export function frameLabel(personaKey: string, extensionId: string): string {
  return createHash('sha256').update(`kith:frame-origin:v1\n${personaKey}\n${extensionId}`).digest('hex').slice(0, 20);
}

interface PendingFrame {
  readonly proof: string;
  readonly expiresAt: number;
  /** The Host it must be loaded on, for a frame with an origin of its own. */
  readonly frameHost: string | undefined;
  /** The page's origin, where its media and the icon font come from. */
  readonly pageOrigin: string;
  readonly sandbox: string;
  /** Whether its document may use the microphone, camera and screen capture. */
  readonly devices: boolean;
}

/** Which extensions' views may use capture devices (the extensions area knows their permissions). */
export type FrameDevicePolicy = (extensionId: string) => boolean;

/** Capture devices in a frame document: its own and its nested frames' where allowed (each nested document's header binds it too), else none. */
const DEVICES_ALLOWED = 'camera=*, microphone=*, display-capture=*';
const DEVICES_OFF = 'camera=(), microphone=(), display-capture=()';

export function mountUiFrames(
  app: Express,
  protectedApi: Router,
  options: {
    clientDir: string | undefined;
    gate: PersonaGate;
    address: () => AddressInfo | string | null;
    /** The icon font's path with this launch's capability (icon-font-url.ts), below the page's origin. */
    iconFontUrl: string;
  },
): { setDevicePolicy(policy: FrameDevicePolicy): void } {
  const pending = new Map<string, PendingFrame>();
  let devicePolicy: FrameDevicePolicy = () => false;
  const sweep = (now: number) => {
    for (const [token, frame] of pending) if (frame.expiresAt <= now) pending.delete(token);
  };
  /** Whether `*.localhost` reaches this server: it listens on loopback or every address. */
  const loopbackReachable = () => {
    const address = options.address();
    return typeof address === 'object' && address !== null && ['127.0.0.1', '0.0.0.0', '::'].includes(address.address);
  };

  protectedApi.post(
    '/ui-frames',
    jsonBody(1024),
    answer((req: Request) => {
      const extension = (req.body as { extension?: unknown } | undefined)?.extension;
      if (typeof extension !== 'string' || !EXTENSION_ID.test(extension)) throw new KithError('KITH_ERR_BAD_REQUEST', 'extension must be an extension id');
      const now = Date.now();
      sweep(now);
      if (pending.size >= MAX_PENDING_FRAMES) throw new KithError('KITH_ERR_RATE_LIMITED', `At most ${MAX_PENDING_FRAMES} frames may wait to load`);
      const token = randomBytes(32).toString('base64url');
      const proof = randomBytes(32).toString('base64url');
      // The gateway's Host check already passed: this is one of our own names.
      const pageHost = String(req.headers.host).toLowerCase();
      const loopback = LOOPBACK_PAGE_HOST.exec(pageHost);
      const persona = options.gate.active?.info.masterPublicKey;
      const frameHost = loopback && persona && loopbackReachable() ? `${frameLabel(persona, extension)}.localhost:${loopback[2]}` : undefined;
      const sandbox = frameHost ? OWN_ORIGIN_FRAME_SANDBOX : FRAME_SANDBOX;
      const devices = devicePolicy(extension) === true;
      pending.set(token, { proof, expiresAt: now + FRAME_TTL_MS, frameHost, pageOrigin: `http://${pageHost}`, sandbox, devices });
      return { url: frameHost ? `http://${frameHost}/ext-frame/${token}` : `/ext-frame/${token}`, proof, sandbox };
    }),
  );

  app.get('/ext-frame/:token', (req, res) => {
    const token = String(req.params.token);
    const frame = TOKEN.test(token) ? pending.get(token) : undefined;
    const host = String(req.headers.host).toLowerCase();
    // Only on the origin it was minted for (an own-origin frame), or the page's own hosts (opaque).
    const onItsOrigin = frame !== undefined && (frame.frameHost ? host === frame.frameHost : !FRAME_HOST.test(host));
    if (!frame || !onItsOrigin || frame.expiresAt <= Date.now()) {
      if (frame && frame.expiresAt <= Date.now()) pending.delete(token);
      res.status(404).type('text/plain').set('Cache-Control', 'no-store').send('This frame has expired');
      return;
    }
    pending.delete(token);
    const bootstrap = readBootstrap(options.clientDir);
    if (bootstrap === undefined) {
      res.status(503).type('text/plain').send('This Kith has no built client');
      return;
    }
    const nonce = randomBytes(18).toString('base64url');
    const port = /:(\d{1,5})$/.exec(frame.pageOrigin)?.[1] ?? '';
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Content-Security-Policy', frameCsp(frame.pageOrigin, port, nonce, frame.sandbox, frame.frameHost !== undefined));
    res.set('Permissions-Policy', frame.devices ? DEVICES_ALLOWED : DEVICES_OFF);
    res.type('html').send(frameDocument(frame.proof, frame.pageOrigin, nonce, bootstrap, options.iconFontUrl));
  });

  return {
    setDevicePolicy(policy) {
      devicePolicy = policy;
    },
  };
}

function readBootstrap(clientDir: string | undefined): string | undefined {
  if (!clientDir) return undefined;
  try {
    // Read per request, like index.html: a rebuilt client is picked up without a restart.
    return fs.readFileSync(path.join(clientDir, BOOTSTRAP_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The frame's policy: its own bootstrap and the module it imports from a blob; media and fonts
 * from the page's origin; nested views' frames; no connections out. An own-origin frame may be
 * framed only by the page and by other views (a URL that leaked to another site does not load
 * there); an opaque one cannot be named as an ancestor, so its hello's target origin guards it.
 */
export function frameCsp(pageOrigin: string, port: string, nonce: string, sandbox: string, ownOrigin = false): string {
  return [
    ...(ownOrigin ? [`frame-ancestors ${pageOrigin} http://*.localhost:${port}`] : []),
    "default-src 'none'",
    `script-src 'nonce-${nonce}' blob:`,
    "style-src 'unsafe-inline' blob:",
    `img-src ${pageOrigin} data: blob:`,
    `media-src ${pageOrigin} data: blob:`,
    `font-src ${pageOrigin} data: blob:`,
    'connect-src data: blob:',
    'worker-src blob:',
    `frame-src ${pageOrigin} http://*.localhost:${port}`,
    "form-action 'none'",
    "base-uri 'none'",
    `sandbox ${sandbox}`,
  ].join('; ');
}

/**
 * The page origin goes with the proof: the frame hands its channel to a top window of that origin
 * only. The icon font's URL carries the capability a cross-site load of it needs.
 */
function frameDocument(proof: string, pageOrigin: string, nonce: string, bootstrap: string, iconFontUrl: string): string {
  // `</script` cannot occur in the bundle's text unescaped; guard anyway, a broken frame beats an injected one.
  const script = bootstrap.replace(/<\/script/gi, '<\\/script');
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta name="kith-frame-proof" content="${proof}">` +
    `<meta name="kith-page-origin" content="${pageOrigin.replace(/[^a-z0-9.:/[\]-]/g, '')}">` +
    `<meta name="kith-icon-font" content="${iconFontUrl.replace(/[^A-Za-z0-9._/?=-]/g, '')}">` +
    '<style>html,body{margin:0;padding:0;background:transparent}</style>' +
    `<script nonce="${nonce}">${script}</script></head><body></body></html>`
  );
}
