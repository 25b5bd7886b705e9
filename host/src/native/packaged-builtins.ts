import type { StaticExtension } from '../extensions/discovery.js';

/**
 * The built-in extensions of the single executable. Running from source this is undefined (the
 * host scans `extensions/`); `npm run package` substitutes this module with a generated one that
 * imports every extension statically, so they end up inside the bundle.
 */
export const PACKAGED_BUILTINS: readonly StaticExtension[] | undefined = undefined;
