import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';

/**
 * Serve the built Angular client with an SPA fallback: unknown non-API paths get index.html so
 * deep links like /chats work. Does nothing when the client has not been built.
 */
export function serveClient(app: Express, clientDir: string | undefined): boolean {
  if (!clientDir || !fs.existsSync(path.join(clientDir, 'index.html'))) return false;
  app.use(express.static(clientDir, { index: false, fallthrough: true, maxAge: 0 }));
  app.get(/^\/(?!api\/|api$).*/, (_req, res) => {
    res.sendFile(path.join(clientDir, 'index.html'));
  });
  return true;
}
