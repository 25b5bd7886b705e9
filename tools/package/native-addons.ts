import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * A native addon the bundle needs: the package that loads it, the lookup helper that package
 * `require`s to find its `.node` file (which the bundle redirects to the embedded copy), and where
 * that helper finds the file on this machine.
 */
export interface NativeAddon {
  readonly packageName: string;
  readonly lookupModule: string;
  readonly file: string;
}

/** How a package finds its binary, asked through its own lookup helper. */
export interface AddonLookup {
  readonly packageName: string;
  readonly lookupModule: string;
  locate(packageDir: string, requireFrom: NodeJS.Require): string;
}

/** The native addons Kith's dependencies load, and how each package looks for its binary. */
export const ADDON_LOOKUPS: readonly AddonLookup[] = [
  {
    packageName: 'better-sqlite3',
    lookupModule: 'bindings',
    locate: (dir, req) => req('bindings')({ bindings: 'better_sqlite3.node', path: true, module_root: dir }) as string,
  },
  { packageName: 'argon2', lookupModule: 'node-gyp-build', locate: (dir, req) => req('node-gyp-build').path(dir) as string },
  {
    // require-addon resolves through the package's "addon" export map; the file it settles on is
    // the prebuild for this OS and CPU, or a local build.
    packageName: 'sodium-native',
    lookupModule: 'require-addon',
    locate: (dir) => {
      const candidates = [
        path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'sodium-native.node'),
        path.join(dir, 'build', 'Release', 'sodium-native.node'),
      ];
      const found = candidates.find((file) => fs.existsSync(file));
      if (!found) throw new Error(`sodium-native has no binary for ${process.platform}-${process.arch} (looked at ${candidates.join(', ')})`);
      return found;
    },
  },
  {
    packageName: 'cbor-extract',
    lookupModule: 'node-gyp-build-optional-packages',
    locate: (dir, req) => req('node-gyp-build-optional-packages').path(dir) as string,
  },
];

/**
 * Find the `.node` file the package in `packageDir` would load on this OS and CPU, by asking its
 * own lookup helper (so a build on another platform picks that platform's prebuild or compiled
 * binary).
 */
export function locateNativeAddon(lookup: AddonLookup, packageDir: string): NativeAddon {
  const file = lookup.locate(packageDir, createRequire(path.join(packageDir, 'package.json')));
  return { packageName: lookup.packageName, lookupModule: lookup.lookupModule, file };
}
