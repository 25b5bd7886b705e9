// Build the installable extension: dist/extension.js (host side, the SDK runtime bundled in) and
// dist/ui.js (the custom element the page loads). Usage: node build.mjs [--outdir <dir>]
import path from 'node:path';
import { build } from 'esbuild';

const here = path.dirname(new URL(import.meta.url).pathname);
const flag = process.argv.indexOf('--outdir');
const outdir = path.resolve(flag > 0 ? process.argv[flag + 1] : path.join(here, 'dist'));
const common = { bundle: true, format: 'esm', sourcemap: false, legalComments: 'none', logLevel: 'warning' };

await build({ ...common, entryPoints: [path.join(here, 'src/extension.ts')], outfile: path.join(outdir, 'extension.js'), platform: 'node', target: 'node20' });
await build({ ...common, entryPoints: [path.join(here, 'src/ui/hello-panel.ts')], outfile: path.join(outdir, 'ui.js'), platform: 'browser', target: 'es2022' });
