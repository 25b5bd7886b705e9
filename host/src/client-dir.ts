import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the built client lives: `KITH_CLIENT_DIR` if set, else `dist/client/browser` in the
 * checkout. The single executable overrides this with its extracted assets.
 */
export function resolveClientDir(): string | undefined {
  const candidates = [process.env.KITH_CLIENT_DIR, path.resolve('dist/client/browser')].filter(Boolean) as string[];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
}
