/** The host's version; extension manifests' `hostVersion` ranges are checked against it. */
export const HOST_VERSION = '1.0.0';
/** The Kith release version (package.json); shared with the rendezvous server, which must not import the host. */
export { KITH_VERSION } from '../../rendezvous/src/shared/version.js';
