import { CONTROL_KINDS, KIND_NAME_PATTERN, KithError, isBuiltinKind, type ExtensionInfo, type ExtensionManifest } from '@kith/sdk';

/**
 * May this extension register or send `kind`? It must be listed in the manifest's `kinds`; a
 * third-party name must start with the extension's own id; a built-in name needs a built-in
 * extension; `bus.*` control kinds belong to the host. Throws `KITH_ERR_KIND_NOT_OWNED`.
 */
export function assertOwnsKind(extension: ExtensionInfo, manifest: ExtensionManifest, kind: string): void {
  if (typeof kind !== 'string' || !KIND_NAME_PATTERN.test(kind)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `"${String(kind)}" is not a kind name (<area>.<event>)`);
  }
  const refuse = (why: string): never => {
    throw new KithError('KITH_ERR_KIND_NOT_OWNED', `Extension ${extension.id} cannot use kind ${kind}: ${why}`, { kind });
  };
  if (CONTROL_KINDS.has(kind)) refuse('bus.* kinds belong to the host');
  if (!(manifest.kinds ?? []).includes(kind)) refuse('it is not listed in the manifest kinds');
  if (isBuiltinKind(kind)) {
    if (!extension.builtin) refuse('built-in kinds are reserved for built-in extensions');
  } else if (!kind.startsWith(`${extension.id}.`)) {
    refuse(`third-party kinds must be named ${extension.id}.<name>`);
  }
}
