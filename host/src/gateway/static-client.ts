import fs from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Express, type Request, type Response } from 'express';
import { KithError } from '@kith/sdk';
import type { GatewaySecurity } from './security.js';

/**
 * Serve the built Angular client with an SPA fallback: unknown non-API paths get index.html so
 * deep links like /chats work. index.html carries the per-launch API secret in
 * `<meta name="kith-secret">`, so it is only ever served to our own Host and never cached.
 * Does nothing when the client has not been built.
 */
export function serveClient(app: Express, clientDir: string | undefined, security?: GatewaySecurity): boolean {
  if (!clientDir || !fs.existsSync(path.join(clientDir, 'index.html'))) return false;
  const indexPath = path.join(clientDir, 'index.html');
  const sendIndex = (req: Request, res: Response) => {
    if (security && !security.isOwnPage(req)) throw new KithError('KITH_ERR_FORBIDDEN');
    // Read per request: a rebuilt client is picked up without a restart (the file is small).
    const html = fs.readFileSync(indexPath, 'utf8');
    res.set('Cache-Control', 'no-store');
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Frame-Options', 'DENY');
    // A page of another site that opened Kith's window keeps no handle on it: it can neither count
    // its frames (which views are open) nor send the tab to a look-alike login.
    res.set('Cross-Origin-Opener-Policy', 'same-origin');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(security ? injectSecret(html, security.secret) : html);
  };
  app.get(['/', '/index.html'], sendIndex);
  // A page only ever through sendIndex, with its headers and its check: a path the router does not
  // take for /index.html (`/x/..%2Findex.html`, `/%69ndex.html`) would reach the file server,
  // which decodes it and would send the page bare.
  app.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD') && /\.html?$/i.test(decodedPath(req.path)) ? sendIndex(req, res) : next());
  // The client's files go out compressed (a cold load: ~840 KB of scripts become ~230 KB). Only
  // these: API answers and streams keep their own framing.
  app.use(compression({ filter: (req, res) => isClientFile(req) && compression.filter(req, res) }));
  app.use(
    express.static(clientDir, {
      index: false,
      fallthrough: true,
      maxAge: 0,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  app.get(/^\/(?!api\/|api$|ext\/).*/, sendIndex);
  return true;
}

/** `path` percent-decoded as the file server will read it (as it is when it does not decode). */
function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A request for one of the built client's files (not the API, the extensions' files or the socket). */
function isClientFile(req: Request): boolean {
  return req.method === 'GET' && !/^\/(api|ext|socket\.io)(\/|$)/.test(req.path);
}

/**
 * What the page may load: only this origin (the shell, built-in chunks, third-party UI modules under
 * /ext/) and the views' frames on `*.localhost`, no remote scripts, fonts or connections, no framing of the page. Styles may be inline (Angular adds
 * component styles at run time); media may come from blob:/data: URLs built by the page.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  // Third-party views' frames, each on an origin of its own (ui-frames.ts).
  "frame-src 'self' http://*.localhost:*",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Put the secret into the page's `<meta name="kith-secret">` (added before `</head>` if absent). */
export function injectSecret(html: string, secret: string): string {
  const tag = `<meta name="kith-secret" content="${secret.replace(/[^A-Za-z0-9_-]/g, '')}">`;
  const existing = /<meta name="kith-secret"[^>]*>/;
  return existing.test(html) ? html.replace(existing, tag) : html.replace('</head>', `${tag}</head>`);
}
