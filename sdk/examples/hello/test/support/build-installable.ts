import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const exampleDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Build the example the way its author ships it (package.json + dist/) into `<into>/hello`. */
export function buildInstallableHello(into: string): string {
  const root = path.join(into, 'hello');
  fs.mkdirSync(root, { recursive: true });
  fs.copyFileSync(path.join(exampleDir, 'package.json'), path.join(root, 'package.json'));
  const built = spawnSync(process.execPath, [path.join(exampleDir, 'build.mjs'), '--outdir', path.join(root, 'dist')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the hello example failed: ${built.stderr}`);
  return root;
}
