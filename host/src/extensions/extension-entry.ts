import path from 'node:path';
import { EXTENSION_PERMISSIONS, type Contributions, type ExtensionPermission } from '@kith/sdk';
import type { ErrorReport, ExtensionRecord } from './extension-record.js';
import type { ExtensionStatus } from './extension-manager.js';

/** One row of `GET /api/extensions`: what the client needs to list, toggle and render an extension. */
export interface ExtensionEntry extends ExtensionStatus {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description: string | null;
  readonly builtin: boolean;
  readonly error: ErrorReport | null;
  /** Bus kinds the manifest lists, and those registered right now (empty while not running). */
  readonly kinds: readonly string[];
  readonly registeredKinds: readonly string[];
  readonly dependencies: Readonly<Record<string, string>>;
  readonly contributes: Contributions;
  /** Where the shell reads the third-party UI module from (to run it in the view's sandboxed frame), or null. */
  readonly uiModuleUrl: string | null;
  /** The active persona's value of every declared setting. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The permissions its manifest lists, each with the sentence the user is shown. */
  readonly permissions: readonly { readonly id: string; readonly description: string }[];
}

/** The URL path the host serves a declared `uiModule` at: `/ext/<id>/<module path>`. */
export function uiModulePath(record: ExtensionRecord): string | null {
  const module = record.manifest?.contributes?.uiModule;
  if (!module) return null;
  return `/ext/${record.id}/${path.posix.normalize(module.replaceAll('\\', '/')).replace(/^\.\//, '')}`;
}

export function toEntry(
  record: ExtensionRecord,
  status: ExtensionStatus,
  registeredKinds: readonly string[],
  settings: Readonly<Record<string, unknown>>,
): ExtensionEntry {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    description: record.description ?? null,
    builtin: record.builtin,
    ...status,
    kinds: record.manifest?.kinds ?? [],
    registeredKinds: [...registeredKinds].sort(),
    dependencies: record.manifest?.dependencies ?? {},
    contributes: record.manifest?.contributes ?? {},
    uiModuleUrl: uiModulePath(record),
    settings,
    permissions: [
      ...(record.manifest?.permissions ?? []).map((id) => ({ id, description: EXTENSION_PERMISSIONS[id as ExtensionPermission] ?? id })),
    ],
  };
}
