import fs from 'node:fs';
import path from 'node:path';
import { isSingleExecutable } from './config.js';
import { extractEmbeddedClient } from './native/embedded-client.js';

/**
 * Where the built client lives: `KITH_CLIENT_DIR` if set, else `dist/client/browser` in the
 * checkout. The single executable overrides this with its extracted assets.
 */
export function resolveClientDir(): string | undefined {
  if (isSingleExecutable()) return extractEmbeddedClient();
  const candidates = [process.env.KITH_CLIENT_DIR, path.resolve('dist/client/browser')].filter(Boolean) as string[];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
}
