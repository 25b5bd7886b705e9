import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_ASSET, type EmbeddedFile, type PackageManifest } from '../../host/src/native/sea-assets.js';
import { sha256Hex } from '../../host/src/native/write-once.js';
import { KITH_VERSION } from '../../host/src/version.js';
import { builtinsModuleSource, type BuiltinExtension } from './builtin-extensions.js';
import { bundleHost } from './bundle-host.js';
import { bundleExtensionHost } from './bundle-extension-host.js';
import { listFiles } from './client-files.js';
import type { NativeAddon } from './native-addons.js';
import { buildSeaExecutable, type SeaBuild } from './sea-executable.js';

export interface AssembleOptions {
  readonly root: string;
  /** The program's entry (host/src/main.ts; tests pass a probe). */
  readonly entry: string;
  readonly output: string;
  /** Emptied and filled with the bundle, generated modules, manifest, sea-config and blob. */
  readonly workDir: string;
  readonly clientDir?: string;
  readonly extensions: readonly BuiltinExtension[];
  /** Leave out V8's code cache so the same inputs give the same bytes (see {@link SeaBuild.codeCache}). */
  readonly reproducible?: boolean;
}

export interface Assembled {
  readonly addons: readonly NativeAddon[];
  readonly manifest: PackageManifest;
}

/**
 * Bundle `entry`, embed the native addons, the client, the extension host script and the manifest
 * that names them, and turn the result into a single executable at `output`.
 */
export async function assemble(options: AssembleOptions): Promise<Assembled> {
  const { root, workDir } = options;
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });

  const builtinsModule = path.join(workDir, 'packaged-builtins.generated.js');
  fs.writeFileSync(builtinsModule, builtinsModuleSource(options.extensions));
  const mainScript = path.join(workDir, 'kith.cjs');
  const { addons } = await bundleHost({ root, entry: options.entry, outfile: mainScript, builtinsModule });

  const assets: Record<string, string> = {};
  const embed = (asset: string, file: string, relative: string): EmbeddedFile => {
    assets[asset] = file;
    return { asset, path: relative, sha256: sha256Hex(fs.readFileSync(file)) };
  };
  const addonEntries = addons.map((a) => [a.packageName, embed(`native/${a.packageName}/${path.basename(a.file)}`, a.file, path.basename(a.file))]);
  let client: PackageManifest['client'] = null;
  if (options.clientDir) {
    const dir = options.clientDir;
    const files = listFiles(dir).map((rel) => embed(`client/${rel}`, path.join(dir, rel), rel));
    client = { hash: sha256Hex(Buffer.from(files.map((f) => `${f.path}:${f.sha256}`).join('\n'))), files };
  }
  const extensionHostScript = path.join(workDir, 'extension-host.mjs');
  await bundleExtensionHost(root, extensionHostScript);
  const manifest: PackageManifest = {
    version: KITH_VERSION,
    addons: Object.fromEntries(addonEntries),
    builtins: options.extensions.map((e) => e.id),
    client,
    extensionHost: embed('extension-host.mjs', extensionHostScript, 'extension-host.mjs'),
  };
  const manifestFile = path.join(workDir, MANIFEST_ASSET);
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  assets[MANIFEST_ASSET] = manifestFile;

  await buildSeaExecutable({ mainScript, assets, workDir, output: options.output, codeCache: !options.reproducible });
  return { addons, manifest };
}
