import { ExtensionError, extensionErrorCode, parseExtensionErrorCode, type ExtensionManifest, type KithError, type KithErrorCode } from '@kith/sdk';

/**
 * What the host answers for a `KithError` an extension's route threw. Host codes pass as they are;
 * an extension code (`KITH_EXT_<ID>_<NAME>`) must be one the extension's own manifest declares in
 * `kith.errors`: it is answered with the declared status (the message and details the thrower
 * gave), so no extension can answer with another's code or a status it did not declare. Anything
 * else comes back as a plain Error, which faults the extension like any other bug.
 */
export function catalogued(error: KithError<KithErrorCode>, manifest: ExtensionManifest): KithError | Error {
  const parsed = parseExtensionErrorCode(error.code);
  if (!parsed) return error;
  const declared = parsed.extensionId === manifest.id ? manifest.errors?.find((e) => e.code === parsed.name) : undefined;
  if (!declared) {
    return new Error(`threw error code ${error.code}, which its manifest does not declare (kith.errors lists its own codes as KITH_EXT_${manifest.id.toUpperCase()}_<code>)`);
  }
  const message = typeof error.message === 'string' && error.message.length > 0 ? error.message.slice(0, 500) : declared.message;
  return new ExtensionError(extensionErrorCode(manifest.id, declared.code), declared.status, message, error.details ? { ...error.details } : undefined);
}
