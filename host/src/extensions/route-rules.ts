/**
 * Where an extension's routes may live (issue #21). Checked when extensions are loaded; a
 * manifest that breaks a rule is refused with every problem named (KITH_ERR_MANIFEST_INVALID):
 * - no catch-alls: no `*` wildcards, `{…}` optional groups or `(…)`, and the first segment is a
 *   literal name, never a `:param`;
 * - a third-party extension's routes live under its own name: `/api/<id>/…` or `/api/ext/<id>/…`,
 *   and that name must not be one the host or a built-in answers under;
 * - a built-in (shipped with Kith, reviewed with it) may keep the reference's well-known paths
 *   (`/api/sessions/:peer/messages`, `/api/pair/…`) and is also reachable under `/api/ext/<id>/…`;
 * - no route of anyone may answer a request of a host route or of another extension's route;
 * - a third-party extension's id is not a name the host or a built-in answers or speaks under
 *   ({@link idClashProblem}): its views may call `/api/<id>/…` and its events are `<id>:<name>`.
 */
import type { Router } from 'express';
import { HOST_EVENT_FAMILIES } from '../core/ui-hub.js';

type Segment = { readonly literal: string } | { readonly param: true } | { readonly rest: true };

interface ParsedRoute {
  readonly method: string;
  readonly segments: readonly Segment[];
}

const CATCH_ALL = /[*{}()]/;

/** `METHOD /a/:b` → method and segments (a `*name` segment of a host route is a rest). */
function parse(route: string): ParsedRoute {
  const space = route.indexOf(' ');
  const parts = route.slice(space + 1).split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return {
    method: route.slice(0, space).toUpperCase(),
    segments: parts.map((part) => (part.startsWith(':') ? { param: true } : part.startsWith('*') ? { rest: true } : { literal: part.toLowerCase() })),
  };
}

/** True when some request matches both patterns (express matches paths case-insensitively). */
export function overlaps(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (x.method !== y.method) return false;
  for (let i = 0; ; i++) {
    const p = x.segments[i];
    const q = y.segments[i];
    if (p === undefined || q === undefined) return p === q;
    if ('rest' in p || 'rest' in q) return true;
    if ('literal' in p && 'literal' in q && p.literal !== q.literal) return false;
  }
}

/** The first path segment a route answers under (lowercase), or undefined for a parameter. */
function namespaceOf(route: string): string | undefined {
  const first = parse(route).segments[0];
  return first && 'literal' in first ? first.literal : undefined;
}

/** Problems with the shape of one extension's routes (catch-alls, outside its own name). */
export function routeShapeProblems(id: string, builtin: boolean, routes: readonly string[]): string[] {
  const problems: string[] = [];
  routes.forEach((route, i) => {
    const where = `kith.contributes.routes.${i}: "${route}"`;
    const path = route.slice(route.indexOf(' ') + 1);
    const parts = path.split('/').slice(1);
    if (CATCH_ALL.test(path)) problems.push(`${where} is a catch-all or pattern syntax (*, {…}, (…)): list each path, with :name parameters`);
    else if (parts[0] === undefined || parts[0] === '' || parts[0].startsWith(':')) problems.push(`${where} must start with a literal name, not a parameter`);
    else if (!builtin && !(parts[0] === id || (parts[0] === 'ext' && parts[1] === id))) {
      problems.push(`${where} is outside the extension's own prefix: third-party routes live under /${id}/… or /ext/${id}/…`);
    } else if (parts[0] === 'ext' && parts[1] !== id) problems.push(`${where} is under another extension's prefix /ext/${parts[1] ?? ''}/`);
  });
  return problems;
}

/**
 * Problems with a third-party extension's page routes (its nav entries and peer actions): each
 * lives at its own name, `<id>` or `<id>/…`, as its API routes do. The shell shows the first
 * extension whose page route matches the URL, so a route of parameters only (`:anything`) or
 * under another extension's name would show this extension's view where the user opened the
 * other's page (with the other's tab highlighted). Built-ins keep their names (`call/:peer`, `media`).
 */
export function pageRouteProblems(
  id: string,
  builtin: boolean,
  pages: { readonly nav?: ReadonlyArray<{ readonly route: string }>; readonly peerActions?: ReadonlyArray<{ readonly route: string }> },
): string[] {
  if (builtin) return [];
  const problems: string[] = [];
  for (const field of ['nav', 'peerActions'] as const) {
    (pages[field] ?? []).forEach(({ route }, i) => {
      if (route.split('/')[0] !== id) {
        problems.push(`kith.contributes.${field}.${i}.route: "${route}" is outside the extension's own pages: third-party pages live at ${id} or ${id}/…`);
      }
    });
  }
  return problems;
}

/**
 * Why a third-party extension may not have the id `id`, or undefined. A view of it may call
 * `/api/<id>/…` and the page's events `<id>:<name>` are its own, so `ext` (every third-party
 * prefix), a first segment of the host's or a built-in's routes (`sessions`, `extensions`, …) and
 * a family of the host's page events (`session:open`, `extensions:changed`, …) are not available.
 */
export function idClashProblem(id: string, builtin: boolean, hostRoutes: readonly string[], taken: ReadonlyMap<string, string>): string | undefined {
  if (builtin) return undefined;
  const lower = id.toLowerCase();
  if (lower === 'ext') return 'the id "ext" is the prefix of every third-party extension\'s routes';
  const names = takenNames(hostRoutes, taken);
  if (names.host.has(lower)) return `the id "${id}" is a name the host's API answers under (/api/${lower}/…)`;
  if (names.builtin.has(lower)) return `the id "${id}" is a name a built-in extension's routes answer under (/api/${lower}/…)`;
  if (HOST_EVENT_FAMILIES.includes(lower)) return `the id "${id}" names the host's own page events (${lower}:…)`;
  return undefined;
}

/** The first path segments the host's routes and the built-ins' routes (in `taken`) answer under. */
function takenNames(hostRoutes: readonly string[], taken: ReadonlyMap<string, string>): { host: ReadonlySet<string | undefined>; builtin: ReadonlySet<string | undefined> } {
  return {
    host: new Set(hostRoutes.map(namespaceOf)),
    builtin: new Set([...taken].filter(([, owner]) => owner.startsWith('builtin:')).map(([route]) => namespaceOf(route))),
  };
}

/** Problems with routes that would answer what the host or an extension loaded earlier answers. */
export function routeClashProblems(
  id: string,
  builtin: boolean,
  routes: readonly string[],
  hostRoutes: readonly string[],
  taken: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  const names = takenNames(hostRoutes, taken);
  routes.forEach((route, i) => {
    const where = `kith.contributes.routes.${i}: "${route}"`;
    const host = hostRoutes.find((h) => overlaps(h, route));
    if (host) return problems.push(`${where} would answer requests of the host's own route "${host}"`);
    const name = namespaceOf(route);
    if (!builtin && name !== 'ext' && (names.host.has(name) || names.builtin.has(name))) {
      return problems.push(`${where}: the name "/${name}/" is the host's or a built-in's; use /ext/${id}/…`);
    }
    for (const [other, owner] of taken) {
      if (overlaps(other, route)) return problems.push(`${where} overlaps "${other}" of extension "${owner.replace(/^builtin:/, '')}"`);
    }
    return undefined;
  });
  return problems;
}

/** Every `METHOD /path` mounted on `router` and routers it uses without a path (the host's API). */
export function mountedRoutes(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: readonly unknown[]) => {
    for (const layer of stack as Array<{ route?: { path?: unknown; methods?: Record<string, boolean> }; handle?: { stack?: unknown[] } }>) {
      if (layer.route && typeof layer.route.path === 'string') {
        for (const method of Object.keys(layer.route.methods ?? {})) if (method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (Array.isArray(layer.handle?.stack)) walk(layer.handle.stack);
    }
  };
  walk((router as unknown as { stack: unknown[] }).stack);
  return found;
}
