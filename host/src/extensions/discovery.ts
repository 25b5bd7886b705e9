import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KithError, type ExtensionManifest } from '@kith/sdk';

/** A statically known built-in extension (the packaged executable passes these). */
export interface StaticExtension {
  readonly root: string;
  readonly packageJson: unknown;
  readonly load: () => Promise<unknown>;
}

/** An extension folder (or static entry) found before its manifest is validated. */
export interface DiscoveredExtension {
  readonly root: string;
  readonly builtin: boolean;
  /** The folder name: the id shown when the manifest cannot be read. */
  readonly folder: string;
  /** The parsed package.json, or undefined when it could not be read (see `readError`). */
  readonly packageJson: unknown;
  readonly readError?: KithError;
  /** Import the entry module named by the validated manifest. */
  readonly load: (manifest: ExtensionManifest) => Promise<unknown>;
}

/** package.json files larger than this are refused before parsing. */
const MAX_PACKAGE_JSON_BYTES = 256 * 1024;

/** Built-ins from the static list. */
export function fromStaticList(list: ReadonlyArray<StaticExtension>): DiscoveredExtension[] {
  return list.map((entry) => ({
    root: entry.root,
    builtin: true,
    folder: path.basename(entry.root),
    packageJson: entry.packageJson,
    load: () => entry.load(),
  }));
}

/**
 * Every sub-folder of `dir` holding a package.json, sorted by name. A missing `dir` is no error
 * (a fresh data dir has no `extensions/`); folders without package.json are skipped.
 */
export function scanFolder(dir: string, builtin: boolean): DiscoveredExtension[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .filter((root) => fs.existsSync(path.join(root, 'package.json')))
    .sort()
    .map((root) => readFolder(root, builtin));
}

function readFolder(root: string, builtin: boolean): DiscoveredExtension {
  const base = { root, builtin, folder: path.basename(root), load: (m: ExtensionManifest) => importEntry(root, m.main) };
  const file = path.join(root, 'package.json');
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_PACKAGE_JSON_BYTES) {
      throw new KithError('KITH_ERR_MANIFEST_INVALID', `package.json is ${size} bytes; the limit is ${MAX_PACKAGE_JSON_BYTES}`);
    }
    return { ...base, packageJson: JSON.parse(fs.readFileSync(file, 'utf8')) };
  } catch (error) {
    const readError =
      error instanceof KithError ? error : new KithError('KITH_ERR_MANIFEST_INVALID', `Cannot read package.json: ${(error as Error).message}`);
    return { ...base, packageJson: undefined, readError };
  }
}

/** Resolve `relative` inside `root`; throws when it would leave the folder (symlinks included). */
export function insideRoot(root: string, relative: string): string {
  const full = path.resolve(root, relative);
  const real = fs.existsSync(full) ? fs.realpathSync(full) : full;
  const realRoot = fs.realpathSync(root);
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new KithError('KITH_ERR_MANIFEST_INVALID', `"${relative}" is outside the extension folder`);
  }
  return full;
}

function importEntry(root: string, main: string): Promise<unknown> {
  const file = insideRoot(root, main);
  if (!fs.existsSync(file)) {
    return Promise.reject(new KithError('KITH_ERR_MANIFEST_INVALID', `The entry module "${main}" does not exist; build the extension first`));
  }
  return import(pathToFileURL(file).href);
}
