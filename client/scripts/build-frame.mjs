// Builds the sandboxed extension frame's bootstrap (client/src/frame/frame-main.ts) into
// dist/client/browser/kith-frame.js: one classic script, which the host inlines into every frame
// document under a nonce (host/src/gateway/ui-frames.ts). Run after `ng build`, which empties the folder.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
await build({
  entryPoints: [path.join(root, 'client/src/frame/frame-main.ts')],
  outfile: path.join(root, 'dist/client/browser/kith-frame.js'),
  tsconfig: path.join(root, 'client/tsconfig.app.json'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
