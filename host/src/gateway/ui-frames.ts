import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express, Router } from 'express';
import { KithError } from '@kith/sdk';
import { answer } from './json-route.js';

/**
 * Sandboxed frames for third-party views. The shell never runs a third-party UI module in its own
 * document (which holds the launch secret): each view gets an `<iframe sandbox="allow-scripts …">`
 * without `allow-same-origin`, so it runs in an opaque origin that can read neither the shell's
 * DOM nor its storage, and whose own requests fail the gateway's Origin and fetch-site checks. It
 * reaches Kith only through messages the shell answers for its own extension.
 *
 * - `POST /api/ui-frames` (the shell, with the secret) mints a frame: `{ url, proof }`. `url` is
 *   `/ext-frame/<token>`, good for one load within a minute. `proof` is written into that one
 *   document, which no other document can read (every sandboxed frame is an origin of its own), so
 *   the frame that shows it to the shell is the one loaded from `url`: a third-party frame that
 *   hosts a nested view (an open slot) places the nested frame but cannot pose as it.
 * - `GET /ext-frame/<token>`: the frame document: the bootstrap (the client's `kith-frame.js`)
 *   inline under a nonce, and a CSP that keeps it sandboxed even when opened as a top-level page.
 */

const FRAME_TTL_MS = 60_000;
const MAX_PENDING_FRAMES = 512;
const BOOTSTRAP_FILE = 'kith-frame.js';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** What a framed document may do: run scripts and forms (their submit events), save downloads. Never same-origin, popups or top navigation. */
export const FRAME_SANDBOX = 'allow-scripts allow-forms allow-downloads';

interface PendingFrame {
  readonly proof: string;
  readonly expiresAt: number;
}

export function mountUiFrames(app: Express, protectedApi: Router, clientDir: string | undefined): void {
  const pending = new Map<string, PendingFrame>();
  const sweep = (now: number) => {
    for (const [token, frame] of pending) if (frame.expiresAt <= now) pending.delete(token);
  };

  protectedApi.post(
    '/ui-frames',
    answer(() => {
      const now = Date.now();
      sweep(now);
      if (pending.size >= MAX_PENDING_FRAMES) throw new KithError('KITH_ERR_RATE_LIMITED', `At most ${MAX_PENDING_FRAMES} frames may wait to load`);
      const token = randomBytes(32).toString('base64url');
      const proof = randomBytes(32).toString('base64url');
      pending.set(token, { proof, expiresAt: now + FRAME_TTL_MS });
      return { url: `/ext-frame/${token}`, proof };
    }),
  );

  app.get('/ext-frame/:token', (req, res) => {
    const token = String(req.params.token);
    const frame = TOKEN.test(token) ? pending.get(token) : undefined;
    pending.delete(token);
    if (!frame || frame.expiresAt <= Date.now()) {
      res.status(404).type('text/plain').set('Cache-Control', 'no-store').send('This frame has expired');
      return;
    }
    const bootstrap = readBootstrap(clientDir);
    if (bootstrap === undefined) {
      res.status(503).type('text/plain').send('This Kith has no built client');
      return;
    }
    const nonce = randomBytes(18).toString('base64url');
    // The gateway's Host check already passed, so this names our own origin (used in the CSP:
    // inside an opaque origin, 'self' would match nothing).
    const origin = `http://${String(req.headers.host).toLowerCase()}`;
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Content-Security-Policy', frameCsp(origin, nonce));
    res.type('html').send(frameDocument(frame.proof, nonce, bootstrap));
  });
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

/** The frame's policy: its own bootstrap and the module it imports from a blob; media and fonts from Kith; no connections out. */
export function frameCsp(origin: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' blob:`,
    "style-src 'unsafe-inline' blob:",
    `img-src ${origin} data: blob:`,
    `media-src ${origin} data: blob:`,
    `font-src ${origin} data: blob:`,
    'connect-src data: blob:',
    'worker-src blob:',
    `frame-src ${origin}`,
    "form-action 'none'",
    "base-uri 'none'",
    `sandbox ${FRAME_SANDBOX}`,
  ].join('; ');
}

function frameDocument(proof: string, nonce: string, bootstrap: string): string {
  // `</script` cannot occur in the bundle's text unescaped; guard anyway, a broken frame beats an injected one.
  const script = bootstrap.replace(/<\/script/gi, '<\\/script');
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta name="kith-frame-proof" content="${proof}">` +
    '<style>html,body{margin:0;padding:0;background:transparent}</style>' +
    `<script nonce="${nonce}">${script}</script></head><body></body></html>`
  );
}
