// `npm run package [-- --if-stale] [-- --reproducible]`: build dist/kith-<os>-<arch>, one file
// holding the host, the rendezvous role, the client, the built-in extensions and the native addons
// (Node's single executable application). Prints and writes dist/SHA256SUMS.txt.
// --if-stale: do nothing when the executable is newer than its sources.
// --reproducible: no V8 code cache, so the same checkout, path and Node give the same bytes.
// See docs/release-notes.md.
import fs from 'node:fs';
import path from 'node:path';
import { assemble } from './assemble.js';
import { findBuiltinExtensions } from './builtin-extensions.js';
import { writeChecksums } from './checksums.js';
import { ensureClient, snapshotClient } from './client-build.js';
import { CLIENT_DIR, DIST, executableName, PACKAGE_SOURCES, ROOT, WORK_DIR } from './package-paths.js';
import { isStale } from './staleness.js';

const say = (line: string) => process.stderr.write(`package: ${line}\n`);
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

async function main(): Promise<void> {
  const output = path.join(DIST, executableName());
  const started = Date.now();
  const clientDir = ensureClient(ROOT, CLIENT_DIR);
  if (process.argv.includes('--if-stale') && !isStale(output, [...PACKAGE_SOURCES, ...(clientDir ? [clientDir] : [])])) {
    say(`${path.relative(ROOT, output)} is newer than its sources; not rebuilt`);
    return;
  }
  const skipped: string[] = [];
  const extensions = findBuiltinExtensions(path.join(ROOT, 'extensions'), (id, reason) => skipped.push(`${id}: ${reason}`));
  const clientCopy = clientDir ? snapshotClient(clientDir, `${WORK_DIR}-client`) : undefined;
  const { addons, manifest } = await assemble({
    root: ROOT,
    entry: path.join(ROOT, 'host/src/packaged-main.ts'),
    output,
    workDir: WORK_DIR,
    clientDir: clientCopy,
    extensions,
    reproducible: process.argv.includes('--reproducible'),
  });
  const sums = await writeChecksums(DIST, [path.basename(output)]);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`built ${path.relative(ROOT, output)} (${mb(fs.statSync(output).size)}; node itself ${mb(fs.statSync(process.execPath).size)}) in ${seconds} s`);
  say(`native addons: ${addons.map((a) => `${a.packageName} (${path.relative(ROOT, a.file)})`).join(', ')}`);
  say(`built-in extensions: ${extensions.length > 0 ? extensions.map((e) => e.id).join(', ') : 'none'}`);
  for (const line of skipped) say(`WARNING: extension left out, ${line}`);
  say(
    manifest.client
      ? `client: ${manifest.client.files.length} files from ${path.relative(ROOT, CLIENT_DIR)}`
      : 'WARNING: no built client (dist/client/browser): this executable serves the API only',
  );
  process.stdout.write(`${sums.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`package: failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
