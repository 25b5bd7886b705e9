import type {
  PeerActionContribution,
  Contributions,
  NavContribution,
  SettingContribution,
  ViewContribution,
} from '@kith/sdk';

/** One extension as `GET /api/extensions` reports it for the active persona. */
export interface ExtensionEntry {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly builtin: boolean;
  /** Turned on for the active persona. */
  readonly enabled: boolean;
  /** Activated and serving for the active persona. */
  readonly running: boolean;
  readonly faulted: boolean;
  readonly error: string | null;
  /** The last crash of its extension host since unlock, kept after the restart that followed. */
  readonly lastCrash: { readonly message: string; readonly at: Date; readonly crashes: number } | null;
  readonly contributes: Contributions;
  /** Third-party UI: the URL of the ES module the host serves (under `/ext/<id>/`). */
  readonly uiModuleUrl: string | null;
  /** The active persona's value of every declared setting. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** What its manifest asks to be allowed, each with the sentence shown to the user. */
  readonly permissions: readonly ExtensionPermissionEntry[];
  /** Off until the user turns it on, allowing its permissions (a new install, or a version asking for more). */
  readonly awaitingConsent: boolean;
}

export interface ExtensionPermissionEntry {
  readonly id: string;
  readonly description: string;
}

/** A contribution together with the extension it comes from. */
export interface Contributed<T> {
  readonly extension: ExtensionEntry;
  readonly item: T;
}

export type ContributedView = Contributed<ViewContribution>;
export type ContributedNav = Contributed<NavContribution>;
export type ContributedPeerAction = Contributed<PeerActionContribution>;
export type ContributedSetting = Contributed<SettingContribution>;

type Raw = Record<string, unknown>;

/** Read the host's answer leniently (snake_case or camelCase), so a renamed field degrades softly. */
export function normaliseExtension(raw: Raw): ExtensionEntry {
  const manifest = (raw['manifest'] ?? {}) as Raw;
  const contributes = (raw['contributes'] ?? manifest['contributes'] ?? {}) as Contributions;
  const error = raw['error'];
  const uiModuleUrl =
    raw['uiModuleUrl'] ?? raw['ui_module_url'] ?? raw['uiModule'] ?? raw['ui_module'] ?? null;
  return {
    id: String(raw['id']),
    name: String(raw['name'] ?? raw['displayName'] ?? manifest['displayName'] ?? raw['id']),
    description: String(raw['description'] ?? manifest['description'] ?? ''),
    version: String(raw['version'] ?? ''),
    builtin: Boolean(raw['builtin']),
    enabled: Boolean(raw['enabled']),
    running: raw['running'] === undefined ? Boolean(raw['enabled']) && !raw['faulted'] : Boolean(raw['running']),
    faulted: Boolean(raw['faulted']),
    error: error == null ? null : typeof error === 'string' ? error : String((error as Raw)['message'] ?? JSON.stringify(error)),
    lastCrash: readCrash(raw['lastCrash']),
    contributes,
    uiModuleUrl: typeof uiModuleUrl === 'string' && uiModuleUrl.startsWith('/') ? uiModuleUrl : null,
    settings: (raw['settings'] && typeof raw['settings'] === 'object' ? raw['settings'] : {}) as Record<string, unknown>,
    permissions: readPermissions(raw['permissions']),
    awaitingConsent: Boolean(raw['awaitingConsent'] ?? raw['awaiting_consent']),
  };
}

function readPermissions(raw: unknown): ExtensionPermissionEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((p): p is Raw => !!p && typeof p === 'object')
    .map((p) => ({ id: String(p['id'] ?? ''), description: String(p['description'] ?? p['id'] ?? '') }));
}

function readCrash(raw: unknown): ExtensionEntry['lastCrash'] {
  if (!raw || typeof raw !== 'object') return null;
  const crash = raw as Raw;
  const at = Number(crash['at']);
  if (!Number.isFinite(at)) return null;
  return { message: String(crash['message'] ?? ''), at: new Date(at), crashes: Number(crash['crashes']) || 1 };
}
