/** One built-in extension compiled into the executable (the shape of `ExtensionSources.builtins`). */
export interface PackagedBuiltin {
  /** Where the extension's folder would be; informational inside the executable. */
  readonly root: string;
  /** The extension's package.json (its manifest). */
  readonly packageJson: unknown;
  /** Import the extension's entry module. */
  readonly load: () => Promise<unknown>;
}

/**
 * The built-in extensions of the single executable. Running from source this is undefined (the
 * host scans `extensions/`); `npm run package` substitutes this module with a generated one that
 * imports every extension statically, so they end up inside the bundle.
 */
export const PACKAGED_BUILTINS: readonly PackagedBuiltin[] | undefined = undefined;
