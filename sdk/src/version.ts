/**
 * The extension API version this SDK describes and the host implements: the one version number
 * of the API. Manifests' `hostVersion` ranges are checked against it (semver: a minor release
 * adds API, a major one changes or removes some).
 */
export const SDK_API_VERSION = '1.7.0';
