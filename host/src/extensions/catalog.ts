import semver from 'semver';
import { KithError } from '@kith/sdk';
import type { DiscoveredExtension } from './discovery.js';
import type { ExtensionRecord } from './extension-record.js';
import { slotWarnings, validatePackage } from './manifest-schema.js';
import { idClashProblem, pageRouteProblems, routeClashProblems, routeShapeProblems } from './route-rules.js';

/**
 * Turn discovered folders into records, checked against each other and the host: manifest
 * schema, host version range, unique ids, unique kind owners and route patterns, and
 * dependencies (missing, wrong version, cyclic, or faulted → faulted with a named error).
 * `hostRoutes` (`METHOD /path` below /api) are the host's own: no extension route may answer them
 * (route-rules.ts). Returns the records in activation order: every extension after its dependencies.
 */
export function buildCatalog(found: readonly DiscoveredExtension[], hostVersion: string, hostRoutes: readonly string[] = []): ExtensionRecord[] {
  const records: ExtensionRecord[] = [];
  const byId = new Map<string, ExtensionRecord>();
  for (const entry of found) {
    const record = toRecord(entry, hostVersion);
    const clash = byId.get(record.id);
    if (clash) {
      record.installError ??= new KithError('KITH_ERR_DUPLICATE', `Extension id "${record.id}" is already used by ${clash.root}`);
      records.push({ ...record, id: `${record.id}@${records.length}` });
      continue;
    }
    byId.set(record.id, record);
    records.push(record);
  }
  checkRouteShapes(records);
  checkOwnership(records);
  checkRouteClashes(records, hostRoutes);
  for (const [id, warnings] of slotWarnings(records.flatMap((r) => (r.manifest && !r.installError ? [r.manifest] : [])))) {
    const record = byId.get(id)!;
    Object.assign(record, { warnings: [...(record.warnings ?? []), ...warnings] });
  }
  checkDependencies(records, byId);
  return activationOrder(records);
}

function toRecord(entry: DiscoveredExtension, hostVersion: string): ExtensionRecord {
  let loaded: Promise<unknown> | undefined;
  const fallback = { id: entry.folder, root: entry.root, builtin: entry.builtin, name: entry.folder, version: '0.0.0' };
  if (entry.readError) return { ...fallback, manifest: undefined, installError: entry.readError, load: rejectLoad };
  try {
    const pkg = validatePackage(entry.packageJson);
    const m = pkg.manifest;
    const installError = semver.satisfies(hostVersion, m.hostVersion, { includePrerelease: true })
      ? undefined
      : new KithError('KITH_ERR_HOST_VERSION', `Extension "${m.id}" needs host ${m.hostVersion}; this host is ${hostVersion}`);
    return {
      id: m.id,
      root: entry.root,
      builtin: entry.builtin,
      name: m.displayName,
      version: pkg.version,
      ...(m.description ?? pkg.description ? { description: m.description ?? pkg.description } : {}),
      manifest: m,
      installError,
      ...(pkg.warnings.length > 0 ? { warnings: pkg.warnings } : {}),
      load: () => (loaded ??= entry.load(m)),
    };
  } catch (error) {
    return { ...fallback, manifest: undefined, installError: error as KithError, load: rejectLoad };
  }
}

function rejectLoad(): Promise<unknown> {
  return Promise.reject(new KithError('KITH_ERR_MANIFEST_INVALID'));
}

/** Stream lifecycle kinds are shared: each extension takes the streams of its own `purpose`. */
const SHARED_KINDS: ReadonlySet<string> = new Set(['stream.open', 'stream.open-ack', 'stream.close']);

/** A kind or a route pattern belongs to one extension: later claimants are faulted. */
function checkOwnership(records: readonly ExtensionRecord[]): void {
  const kinds = new Map<string, string>();
  const routes = new Map<string, string>();
  for (const r of records) {
    if (!r.manifest || r.installError) continue;
    const taken =
      (r.manifest.kinds ?? []).filter((k) => !SHARED_KINDS.has(k)).map((k) => [k, kinds.get(k)] as const).find(([, owner]) => owner) ??
      (r.manifest.contributes?.routes ?? []).map((p) => [p, routes.get(p)] as const).find(([, owner]) => owner);
    if (taken) {
      r.installError = new KithError('KITH_ERR_DUPLICATE', `"${taken[0]}" is already owned by extension "${taken[1]}"`);
      continue;
    }
    for (const k of r.manifest.kinds ?? []) kinds.set(k, r.id);
    for (const p of r.manifest.contributes?.routes ?? []) routes.set(p, r.id);
  }
}

/** Marks an install error that refused the routes themselves: none of them is ever mounted. */
export const ROUTES_REFUSED = 'routesRefused';

/** True when none of the record's routes may be mounted (a duplicate's, or refused routes). */
export function routesUnmountable(record: ExtensionRecord): boolean {
  const error = record.installError;
  return error?.code === 'KITH_ERR_DUPLICATE' || error?.details?.[ROUTES_REFUSED] === true;
}

/** Refuse catch-alls and third-party API and page routes outside the extension's own name (route-rules.ts). */
function checkRouteShapes(records: readonly ExtensionRecord[]): void {
  for (const r of records) {
    if (!r.manifest || r.installError) continue;
    const contributes = r.manifest.contributes ?? {};
    refuseRoutes(r, [...routeShapeProblems(r.id, r.builtin, contributes.routes ?? []), ...pageRouteProblems(r.id, r.builtin, contributes)]);
  }
}

/** Refuse routes that would answer a host route or another extension's, and third-party ids that are the host's or a built-in's names. */
function checkRouteClashes(records: readonly ExtensionRecord[], hostRoutes: readonly string[]): void {
  const taken = new Map<string, string>();
  // Built-ins claim their well-known paths first, whatever order the folders were found in.
  for (const r of [...records].sort((a, b) => Number(b.builtin) - Number(a.builtin))) {
    if (!r.manifest || r.installError) continue;
    const routes = r.manifest.contributes?.routes ?? [];
    const idProblem = idClashProblem(r.id, r.builtin, hostRoutes, taken);
    const problems = routeClashProblems(r.id, r.builtin, routes, hostRoutes, taken);
    if (refuseRoutes(r, idProblem ? [...problems, idProblem] : problems)) continue;
    for (const route of routes) taken.set(route, r.builtin ? `builtin:${r.id}` : r.id);
  }
}

function refuseRoutes(r: ExtensionRecord, problems: readonly string[]): boolean {
  if (problems.length === 0) return false;
  r.installError = new KithError('KITH_ERR_MANIFEST_INVALID', `Invalid extension routes: ${problems.join('; ')}`, { problems, [ROUTES_REFUSED]: true });
  return true;
}

/** Fault extensions whose dependencies are missing, mismatched or faulted, until nothing changes. */
function checkDependencies(records: readonly ExtensionRecord[], byId: ReadonlyMap<string, ExtensionRecord>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of records) {
      if (!r.manifest || r.installError) continue;
      for (const [depId, range] of Object.entries(r.manifest.dependencies ?? {})) {
        const dep = byId.get(depId);
        const problem = !dep
          ? `needs extension "${depId}" (${range}), which is not installed`
          : dep.installError
            ? `needs extension "${depId}", which is faulted`
            : !semver.satisfies(dep.version, range, { includePrerelease: true })
              ? `needs extension "${depId}" ${range}; version ${dep.version} is installed`
              : undefined;
        if (problem) {
          r.installError = new KithError('KITH_ERR_DEPENDENCY_MISSING', `Extension "${r.id}" ${problem}`, { dependency: depId });
          changed = true;
          break;
        }
      }
    }
  }
}

/** Kahn's algorithm, ties broken by catalogue order; members of a cycle are faulted and go last. */
function activationOrder(records: readonly ExtensionRecord[]): ExtensionRecord[] {
  const pending = new Map(records.map((r) => [r.id, r]));
  const ordered: ExtensionRecord[] = [];
  const depsOf = (r: ExtensionRecord) => Object.keys(r.manifest?.dependencies ?? {}).filter((d) => pending.has(d));
  while (pending.size > 0) {
    const ready = [...pending.values()].find((r) => r.installError !== undefined || depsOf(r).length === 0);
    if (!ready) {
      for (const r of pending.values()) {
        r.installError = new KithError('KITH_ERR_DEPENDENCY_MISSING', `Extension "${r.id}" is part of a dependency cycle`);
        ordered.push(r);
      }
      break;
    }
    pending.delete(ready.id);
    ordered.push(ready);
  }
  return ordered;
}
