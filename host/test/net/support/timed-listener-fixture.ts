import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../../../..');

/** Build the timed-listener fixture into `<into>/tl` the way a third-party extension ships (SDK bundled). */
export async function buildTimedListenerFixture(into: string): Promise<string> {
  const root = path.join(into, 'tl');
  fs.mkdirSync(root, { recursive: true });
  await build({
    entryPoints: [path.join(here, '../fixtures/timed-listener/extension.ts')], outfile: path.join(root, 'extension.js'),
    bundle: true, format: 'esm', platform: 'node', target: 'node20', alias: { '@kith/sdk': path.join(repo, 'sdk/src/index.ts') },
    logLevel: 'warning', external: ['kysely'],
  });
  const kith = {
    id: 'tl', displayName: 'Timed listener fixture', hostVersion: '^1.0.0', main: 'extension.js', kinds: ['tl.note'],
    contributes: {
      routes: [
        'POST /tl/listen', 'GET /tl/listeners/:id', 'POST /tl/listeners/:id/connect', 'DELETE /tl/listeners/:id',
        'POST /tl/send/:peer', 'GET /tl/notes', 'GET /tl/diag/sessions', 'GET /tl/diag/session/:peer', 'GET /tl/diag/counters',
        'GET /tl/diag/attempts', 'GET /tl/diag/rendezvous', 'POST /tl/diag/watch', 'GET /tl/diag/changes',
      ],
    },
  };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'test-tl', version: '1.0.0', type: 'module', kith }));
  return root;
}
