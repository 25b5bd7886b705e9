import { isSingleExecutable } from '../config.js';

/** The subset of `node:sea` Kith uses (typed here: @types/node 20 lacks the asset API). */
interface SeaModule {
  getRawAsset(key: string): ArrayBuffer;
}

/**
 * What the packager embeds as the asset {@link MANIFEST_ASSET}. The SEA API cannot list its
 * assets, so this manifest names every one of them.
 */
export interface PackageManifest {
  /** Kith version the executable was built from. */
  readonly version: string;
  /** Native addons by package name (`better-sqlite3`, `argon2`, `cbor-extract`, `sodium-native`). */
  readonly addons: Readonly<Record<string, EmbeddedFile>>;
  /** Ids of the built-in extensions compiled into the bundle. */
  readonly builtins: readonly string[];
  /** The built client, or null when the package was built without one. */
  readonly client: { readonly hash: string; readonly files: readonly EmbeddedFile[] } | null;
  /**
   * The extension host script third-party extensions run in (bundle-extension-host.ts); absent
   * from executables built before it was embedded.
   */
  readonly extensionHost?: EmbeddedFile;
}

/** One embedded file: its asset key, its path when written out, and its sha256 (hex). */
export interface EmbeddedFile {
  readonly asset: string;
  readonly path: string;
  readonly sha256: string;
}

/** The asset key of the {@link PackageManifest}. */
export const MANIFEST_ASSET = 'kith-manifest.json';

/** Read an embedded asset as a Buffer (a view on the executable's mapped memory, no copy). */
export function readAsset(key: string): Buffer {
  const sea = process.getBuiltinModule('node:sea') as SeaModule;
  return Buffer.from(sea.getRawAsset(key));
}

let manifest: PackageManifest | undefined;

/** The embedded manifest, or undefined when not running as the single executable. */
export function packageManifest(): PackageManifest | undefined {
  if (!isSingleExecutable()) return undefined;
  manifest ??= JSON.parse(readAsset(MANIFEST_ASSET).toString('utf8')) as PackageManifest;
  return manifest;
}
