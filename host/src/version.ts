/** The host's version; extension manifests' `hostVersion` ranges are checked against it. */
export const HOST_VERSION = '1.0.0';
/** The Kith release version (package.json). */
export const KITH_VERSION = '0.1.0';
