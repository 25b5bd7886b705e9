// What the extension host loads besides the extension: the SDK, its storage dialect, HChaCha20 and
// the table of remote members. From a Kith checkout they are files the host names (and lets the
// permission model read); the packaged executable has no such files, so its extension host script
// carries them inside (packaged-extension-host.mjs) and the host names them BUNDLED instead.

/** The URL the host sends for a module that is inside the extension host script itself. */
export const BUNDLED = 'kith:bundled';

let bundled;

/** Called once by the packaged extension host script, before any message arrives. */
export function provideBundledModules(modules) {
  bundled = modules;
}

/** The module `name` (sdk, storage, chacha): bundled when `url` is {@link BUNDLED}, else imported from `url`. */
export async function loadModule(url, name) {
  if (url !== BUNDLED) return import(url);
  if (!bundled?.[name]) throw new Error(`The extension host script carries no ${name} module`);
  return bundled[name];
}

/** The remote-members table when bundled, else undefined (the checkout reads the JSON file). */
export function bundledMembers() {
  return bundled?.members;
}
