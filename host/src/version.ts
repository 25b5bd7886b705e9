// Extension manifests' `hostVersion` ranges are checked against the SDK's SDK_API_VERSION, the
// one version of the extension API (host/src/extensions/area.ts).
/** The Kith release version (package.json); shared with the rendezvous server, which must not import the host. */
export { KITH_VERSION } from '../../rendezvous/src/shared/version.js';
