import { z } from 'zod';
import semver from 'semver';
import { shadowedRoutes } from './route-shadowing.js';
import { MAX_BLOB_QUOTA_BYTES } from '../blobs/blob-limits.js';
import { API_PROPOSALS, CONTROL_KINDS, EXTENSION_PERMISSIONS, ERROR_NAME_PATTERN, KIND_NAME_PATTERN, KithError, isBuiltinKind, isEntriesPath, type ExtensionManifest, type ViewSlot } from '@kith/sdk';

/** Extension ids: lowercase letter first, then letters, digits and dashes, 2 to 32 characters. */
export const EXTENSION_ID_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
/** `METHOD /path` with express-style params, as listed in `contributes.routes`. */
export const ROUTE_PATTERN = /^(GET|POST|PUT|PATCH|DELETE) (\/[A-Za-z0-9._~:@!$&'()*+,;=/-]*)$/;
const LOCAL_ID = /^[a-z][a-z0-9.-]{0,63}$/;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const relativeFile = z
  .string()
  .min(1, 'must not be empty')
  .max(256)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a path inside the extension folder');
const semverRange = z.string().refine((r) => semver.validRange(r) !== null, 'must be a semver range such as ^1.0.0');
const localId = z.string().regex(LOCAL_ID, 'must be lowercase letters, digits, dots and dashes');

/** Slot names of extension API 1.0, still accepted and read as the layout names that replaced them. */
const API1_SLOTS: Readonly<Record<string, ViewSlot>> = { 'chats.sidebar': 'home.sidebar', 'chats.panel': 'home.main' };
/** The shell's own slots (and their API 1.0 names): no extension may open a slot by these names. */
export const SHELL_SLOTS: ReadonlySet<string> = new Set(['home.sidebar', 'home.main', 'home.connect', 'home.header', 'page', 'settings', 'overlay', 'dialog', ...Object.keys(API1_SLOTS)]);
/** An open slot's id: the declaring extension's id, a dot, a name. */
export const OPEN_SLOT_PATTERN = /^([a-z][a-z0-9-]{1,31})\.[a-z][a-z0-9-]{0,31}$/;
/** Prefixes of the shell's slots: no open slot lives under them. */
const SHELL_NAMESPACES: ReadonlySet<string> = new Set([...SHELL_SLOTS].map((slot) => slot.split('.')[0]!));
const isOpenSlot = (slot: string) => {
  const owner = OPEN_SLOT_PATTERN.exec(slot)?.[1];
  return owner !== undefined && !SHELL_NAMESPACES.has(owner);
};
/** A client route: literal segments and `:name` parameters, e.g. `polls/:peer`. */
const CLIENT_ROUTE = /^(?:[A-Za-z0-9._~-]+|:[a-zA-Z][a-zA-Z0-9_]{0,31})(?:\/(?:[A-Za-z0-9._~-]+|:[a-zA-Z][a-zA-Z0-9_]{0,31}))*$/;

const clientRoute = text(128)
  .regex(CLIENT_ROUTE, 'must be segments of letters, digits, . _ ~ - or :param, separated by "/" (e.g. "polls/:peer")')
  .refine((route) => {
    const params = route.split('/').filter((part) => part.startsWith(':'));
    return new Set(params).size === params.length;
  }, 'must not name a parameter twice');
/** The shell's own pages: it matches them first, so a contributed route under one would never show. */
export const SHELL_PAGES: ReadonlySet<string> = new Set(['login', 'chats', 'connect', 'extensions', 'settings']);
const pageRoute = clientRoute.refine(
  (route) => !SHELL_PAGES.has(route.split('/')[0]!.toLowerCase()),
  `must not start with a page of the shell (${[...SHELL_PAGES].join(', ')}): the shell would show its own page there`,
);
const navSchema = z.strictObject({ id: localId, label: text(40), icon: text(64), route: pageRoute, view: localId });
const viewSchema = z.strictObject({
  id: localId,
  slot: z.string()
    .refine((slot) => SHELL_SLOTS.has(slot) || isOpenSlot(slot), `must be a shell slot (${[...SHELL_SLOTS].slice(0, 4).join(', ')}) or an open slot "<ext-id>.<name>"`)
    .transform((slot) => (API1_SLOTS[slot] ?? slot) as ViewSlot),
  title: text(80),
  component: text(128).optional(),
  element: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/, 'must be a custom element name like hello-panel').optional(),
  /** For a view in a slot of entries: its own GET route the shell reads them from (checked against `routes` below). */
  entries: z.string().refine(isEntriesPath, 'must be a path like "/polls/timeline" (no parameters, no query, no "." or ".." segments)').optional(),
});
const slotSchema = z.strictObject({
  id: z.string().regex(OPEN_SLOT_PATTERN, 'must be "<ext-id>.<name>" (lowercase letters, digits, dashes)'),
  description: text(200).optional(),
  entries: z.boolean().optional(),
});
/** A peer action opens a page of the app (`call/:peer`), never another site. */
const peerActionSchema = z.strictObject({ id: localId, label: text(40), icon: text(64), route: pageRoute });
const settingSchema = z.strictObject({
  id: localId,
  type: z.enum(['boolean', 'string', 'number']),
  label: text(80),
  default: z.union([z.boolean(), z.string().max(4096), z.number()]),
  minimum: z.number().finite().optional(),
  maximum: z.number().finite().optional(),
  integer: z.boolean().optional(),
});

const errorSchema = z.strictObject({
  code: z.string().regex(ERROR_NAME_PATTERN, 'must be upper snake case, 1 to 48 characters, e.g. POLL_CLOSED'),
  status: z.number().int('must be a whole number').min(400, 'must be an HTTP error status (400-599)').max(599, 'must be an HTTP error status (400-599)'),
  message: text(200),
});

const contributesSchema = z
  .strictObject({
    routes: z.array(z.string().regex(ROUTE_PATTERN, 'must look like "GET /path" (GET, POST, PUT, PATCH or DELETE)')).max(200).optional(),
    nav: z.array(navSchema).max(20).optional(),
    views: z.array(viewSchema).max(50).optional(),
    slots: z.array(slotSchema).max(20).optional(),
    peerActions: z.array(peerActionSchema).max(20).optional(),
    /** The API 1.0 name of `peerActions`, read as it. */
    chatActions: z.array(peerActionSchema).max(20).optional(),
    settings: z.array(settingSchema).max(100).optional(),
    uiModule: relativeFile.optional(),
  })
  .transform(({ chatActions, ...contributes }) =>
    chatActions === undefined ? contributes : { ...contributes, peerActions: [...(contributes.peerActions ?? []), ...chatActions] });

const kithSchema = z.strictObject({
  id: z.string().regex(EXTENSION_ID_PATTERN, 'must match ^[a-z][a-z0-9-]{1,31}$ (e.g. "hello")'),
  displayName: text(80),
  description: text(500).optional(),
  hostVersion: semverRange,
  main: relativeFile,
  dependencies: z.record(z.string().regex(EXTENSION_ID_PATTERN, 'must be an extension id'), semverRange).optional(),
  kinds: z.array(z.string()).max(64).optional(),
  enabledByDefault: z.boolean().optional(),
  enabledApiProposals: z
    .array(z.string().refine((name) => Object.hasOwn(API_PROPOSALS, name), `must be a proposal this host offers: ${Object.keys(API_PROPOSALS).join(', ')}`))
    .max(32)
    .optional(),
  permissions: z
    .array(z.string().refine((name) => Object.hasOwn(EXTENSION_PERMISSIONS, name), `must be a permission this host knows: ${Object.keys(EXTENSION_PERMISSIONS).join(', ')}`))
    .max(16)
    .refine((names) => new Set(names).size === names.length, 'must not list a permission twice')
    .optional(),
  contributes: contributesSchema.optional(),
  errors: z.array(errorSchema).max(100).optional(),
  blobQuotaBytes: z.number().int('must be a whole number of bytes').min(0).max(MAX_BLOB_QUOTA_BYTES, `must be at most ${MAX_BLOB_QUOTA_BYTES} (1 TiB)`).optional(),
});

const packageSchema = z.object({
  name: z.string().min(1, 'must not be empty').max(214),
  version: z.string().refine((v) => semver.valid(v) !== null, 'must be a semver version such as 1.0.0'),
  description: z.string().max(500).optional(),
  kith: kithSchema,
});

/** A package.json whose `kith` section passed validation. */
export interface ValidatedPackage {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly manifest: ExtensionManifest;
  /** Legal but probably wrong (a route pattern an earlier one shadows): logged, never fatal. */
  readonly warnings: readonly string[];
}

/**
 * Validate a parsed package.json. Throws `KITH_ERR_MANIFEST_INVALID` listing every bad field as
 * `kith.contributes.routes.0: must look like ...`, so the author sees all problems at once.
 */
export function validatePackage(packageJson: unknown): ValidatedPackage {
  const parsed = packageSchema.safeParse(packageJson);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`);
  if (parsed.success) problems.push(...crossChecks(parsed.data.kith as ExtensionManifest));
  if (!parsed.success || problems.length > 0) {
    throw new KithError('KITH_ERR_MANIFEST_INVALID', `Invalid extension manifest: ${problems.join('; ')}`, { problems });
  }
  const { name, version, description, kith } = parsed.data;
  return { name, version, ...(description ? { description } : {}), manifest: kith as ExtensionManifest, warnings: [...routeWarnings(kith.contributes?.routes ?? []), ...ownSlotWarnings(kith as ExtensionManifest)] };
}

/** Patterns listed after one that matches everything they match (the first match answers). */
function routeWarnings(routes: readonly string[]): string[] {
  return shadowedRoutes(routes).map(
    ({ later, earlier }) => `kith.contributes.routes.${later}: "${routes[later]}" is never reached: "${routes[earlier]}" (routes.${earlier}) matches it first; list it earlier`,
  );
}

/** Views for a slot in the extension's own namespace that it does not open (others' slots: see slotWarnings). */
function ownSlotWarnings(m: ExtensionManifest): string[] {
  const opened = new Set((m.contributes?.slots ?? []).map((s) => s.id));
  return (m.contributes?.views ?? []).flatMap((v, i) =>
    OPEN_SLOT_PATTERN.exec(v.slot)?.[1] === m.id && !opened.has(v.slot)
      ? [`kith.contributes.views.${i}.slot: "${v.slot}" is not in contributes.slots, so the view is never shown`]
      : []);
}

/**
 * Views contributed to an open slot no extension installed here declares (a typo, or a missing
 * extension): legal, never shown, reported as a warning of the contributing extension.
 */
export function slotWarnings(manifests: readonly ExtensionManifest[]): Map<string, string[]> {
  const opened = new Set(manifests.flatMap((m) => (m.contributes?.slots ?? []).map((s) => s.id)));
  const ofEntries = new Set(manifests.flatMap((m) => (m.contributes?.slots ?? []).filter((s) => s.entries).map((s) => s.id)));
  const warnings = new Map<string, string[]>();
  for (const m of manifests) {
    (m.contributes?.views ?? []).forEach((v, i) => {
      const owner = OPEN_SLOT_PATTERN.exec(v.slot)?.[1];
      const warn = (warning: string) => warnings.set(m.id, [...(warnings.get(m.id) ?? []), warning]);
      if (v.entries !== undefined && opened.has(v.slot) && !ofEntries.has(v.slot)) {
        warn(`kith.contributes.views.${i}.entries: slot "${v.slot}" is not a slot of entries, so its owner never reads them`);
      }
      if (SHELL_SLOTS.has(v.slot) || owner === undefined || owner === m.id || opened.has(v.slot)) return;
      warn(`kith.contributes.views.${i}.slot: no installed extension opens slot "${v.slot}" (extension "${owner}" would declare it in contributes.slots)`);
    });
  }
  return warnings;
}

function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? 'package.json' : path.map(String).join('.');
}

/** Rules that span fields: kinds owned, element names, unique ids, nav → view, setting defaults. */
function crossChecks(m: ExtensionManifest): string[] {
  const problems: string[] = [];
  (m.kinds ?? []).forEach((kind, i) => {
    const own = KIND_NAME_PATTERN.test(kind) && kind.startsWith(`${m.id}.`);
    const builtin = isBuiltinKind(kind) && !CONTROL_KINDS.has(kind);
    if (!own && !builtin) problems.push(`kith.kinds.${i}: "${kind}" is neither a built-in kind nor "${m.id}.<name>"`);
  });
  const c = m.contributes ?? {};
  const unique = (field: string, ids: readonly string[], where = `kith.contributes.${field}`) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) problems.push(`${where}.${i}: duplicate id "${id}"`);
      seen.add(id);
    });
  };
  unique('errors', (m.errors ?? []).map((e) => e.code), 'kith.errors');
  unique('routes', c.routes ?? []);
  unique('nav', (c.nav ?? []).map((n) => n.id));
  unique('views', (c.views ?? []).map((v) => v.id));
  unique('settings', (c.settings ?? []).map((s) => s.id));
  unique('slots', (c.slots ?? []).map((s) => s.id));
  (c.slots ?? []).forEach((s, i) => {
    if (!s.id.startsWith(`${m.id}.`)) problems.push(`kith.contributes.slots.${i}.id: must start with "${m.id}." (an extension opens slots in its own namespace)`);
    else if (!isOpenSlot(s.id)) problems.push(`kith.contributes.slots.${i}.id: "${s.id}" is in the shell's namespace (${[...SHELL_NAMESPACES].join(', ')})`);
  });
  const views = new Set((c.views ?? []).map((v) => v.id));
  (c.nav ?? []).forEach((n, i) => {
    if (!views.has(n.view)) problems.push(`kith.contributes.nav.${i}.view: no view "${n.view}" in contributes.views`);
  });
  (c.views ?? []).forEach((v, i) => {
    if (v.element && !v.element.startsWith(`${m.id}-`)) problems.push(`kith.contributes.views.${i}.element: must start with "${m.id}-"`);
    if (!v.element && !v.component) problems.push(`kith.contributes.views.${i}: needs "element" (third-party) or "component" (built-in)`);
    if (v.element && !c.uiModule) problems.push(`kith.contributes.views.${i}.element: needs contributes.uiModule to define it`);
    if (v.entries !== undefined) {
      if (SHELL_SLOTS.has(v.slot)) problems.push(`kith.contributes.views.${i}.entries: only a view in an open slot of entries has entries`);
      if (!(c.routes ?? []).includes(`GET ${v.entries}`)) problems.push(`kith.contributes.views.${i}.entries: "GET ${v.entries}" is not in contributes.routes`);
    }
  });
  (c.settings ?? []).forEach((s, i) => {
    if (typeof s.default !== s.type) problems.push(`kith.contributes.settings.${i}.default: must be a ${s.type}`);
    if ((s.minimum !== undefined || s.maximum !== undefined) && s.type !== 'number') {
      problems.push(`kith.contributes.settings.${i}: minimum and maximum are for number settings`);
    } else if (s.minimum !== undefined && s.maximum !== undefined && s.minimum > s.maximum) {
      problems.push(`kith.contributes.settings.${i}: minimum is above maximum`);
    } else if (typeof s.default === 'number' && !inRange({ minimum: s.minimum, maximum: s.maximum }, s.default)) {
      problems.push(`kith.contributes.settings.${i}.default: must be within minimum and maximum`);
    }
    if (s.integer !== undefined && s.type !== 'number') problems.push(`kith.contributes.settings.${i}: integer is for number settings`);
    else if (s.integer && typeof s.default === 'number' && !Number.isInteger(s.default)) problems.push(`kith.contributes.settings.${i}.default: must be a whole number`);
  });
  return problems;
}

/** Whether `value` lies within a number setting's minimum and maximum (each optional), and is whole if it must be. */
export function inRange(setting: { readonly minimum?: number; readonly maximum?: number; readonly integer?: boolean }, value: number): boolean {
  return (
    (setting.minimum === undefined || value >= setting.minimum) &&
    (setting.maximum === undefined || value <= setting.maximum) &&
    (!setting.integer || Number.isInteger(value))
  );
}
