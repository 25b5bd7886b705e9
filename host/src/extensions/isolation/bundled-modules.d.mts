// Types for bundled-modules.mjs, so the host names the same constant the extension host checks.

/** The URL the host sends for a module that is inside the extension host script itself. */
export declare const BUNDLED: 'kith:bundled';
