import { z } from 'zod';
import semver from 'semver';
import { shadowedRoutes } from './route-shadowing.js';
import { MAX_BLOB_QUOTA_BYTES } from '../blobs/blob-limits.js';
import { API_PROPOSALS, CONTROL_KINDS, ERROR_NAME_PATTERN, KIND_NAME_PATTERN, KithError, isBuiltinKind, type ExtensionManifest, type ViewSlot } from '@kith/sdk';

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

const navSchema = z.strictObject({ id: localId, label: text(40), icon: text(64), route: text(128), view: localId });
const viewSchema = z.strictObject({
  id: localId,
  slot: z.enum(['home.sidebar', 'home.main', 'page', 'settings', ...Object.keys(API1_SLOTS)] as [string, ...string[]])
    .transform((slot) => (API1_SLOTS[slot] ?? slot) as ViewSlot),
  title: text(80),
  component: text(128).optional(),
  element: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/, 'must be a custom element name like hello-panel').optional(),
});
const peerActionSchema = z.strictObject({ id: localId, label: text(40), icon: text(64), route: text(128) });
const settingSchema = z.strictObject({
  id: localId,
  type: z.enum(['boolean', 'string', 'number']),
  label: text(80),
  default: z.union([z.boolean(), z.string().max(4096), z.number()]),
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
  return { name, version, ...(description ? { description } : {}), manifest: kith as ExtensionManifest, warnings: routeWarnings(kith.contributes?.routes ?? []) };
}

/** Patterns listed after one that matches everything they match (the first match answers). */
function routeWarnings(routes: readonly string[]): string[] {
  return shadowedRoutes(routes).map(
    ({ later, earlier }) => `kith.contributes.routes.${later}: "${routes[later]}" is never reached: "${routes[earlier]}" (routes.${earlier}) matches it first; list it earlier`,
  );
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
  const views = new Set((c.views ?? []).map((v) => v.id));
  (c.nav ?? []).forEach((n, i) => {
    if (!views.has(n.view)) problems.push(`kith.contributes.nav.${i}.view: no view "${n.view}" in contributes.views`);
  });
  (c.views ?? []).forEach((v, i) => {
    if (v.element && !v.element.startsWith(`${m.id}-`)) problems.push(`kith.contributes.views.${i}.element: must start with "${m.id}-"`);
    if (!v.element && !v.component) problems.push(`kith.contributes.views.${i}: needs "element" (third-party) or "component" (built-in)`);
    if (v.element && !c.uiModule) problems.push(`kith.contributes.views.${i}.element: needs contributes.uiModule to define it`);
  });
  (c.settings ?? []).forEach((s, i) => {
    if (typeof s.default !== s.type) problems.push(`kith.contributes.settings.${i}.default: must be a ${s.type}`);
  });
  return problems;
}
