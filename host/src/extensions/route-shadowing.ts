/**
 * Route order: every declared pattern is mounted on one router, in extension order (dependencies
 * first) and then in the order each manifest lists them, and the first pattern that matches a
 * request answers it. So `GET /notes/:id` listed before `GET /notes/recent` takes every request
 * for `/notes/recent`, and the later pattern never runs. This finds such pairs.
 */

const PARAM = /^:[A-Za-z_$][\w$]*$/;
const WILDCARD = /^\*[A-Za-z_$][\w$]*$/;
const LITERAL = /^[A-Za-z0-9._~@!$&'()+,;=-]*$/;

type Segment = { readonly literal: string } | { readonly param: true } | { readonly rest: true };

/** The segments of `METHOD /path`, or undefined for a shape this check does not judge (optional groups, inline params). */
function parse(route: string): { method: string; segments: Segment[] } | undefined {
  const space = route.indexOf(' ');
  const method = route.slice(0, space);
  const parts = route.slice(space + 1).split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const segments: Segment[] = [];
  for (const [i, part] of parts.entries()) {
    if (PARAM.test(part)) segments.push({ param: true });
    else if (WILDCARD.test(part) && i === parts.length - 1) segments.push({ rest: true });
    else if (LITERAL.test(part)) segments.push({ literal: part.toLowerCase() });
    else return undefined;
  }
  return { method, segments };
}

/** True when every request `later` matches is matched by `earlier` first. */
export function shadows(earlier: string, later: string): boolean {
  const a = parse(earlier);
  const b = parse(later);
  if (!a || !b || a.method !== b.method || earlier === later) return false;
  for (let i = 0; i < a.segments.length; i++) {
    const mine = a.segments[i]!;
    if ('rest' in mine) return b.segments.length > i;
    const theirs = b.segments[i];
    if (!theirs || 'rest' in theirs) return false;
    if ('literal' in mine && (!('literal' in theirs) || theirs.literal !== mine.literal)) return false;
    // A param matches one non-empty segment; an empty literal (`/a/`) it does not.
    if ('param' in mine && 'literal' in theirs && theirs.literal === '') return false;
  }
  return a.segments.length === b.segments.length;
}

/** For each pattern an earlier one shadows: its index and the earlier pattern's index. */
export function shadowedRoutes(routes: readonly string[]): Array<{ readonly later: number; readonly earlier: number }> {
  const found: Array<{ later: number; earlier: number }> = [];
  routes.forEach((route, later) => {
    const earlier = routes.findIndex((candidate, i) => i < later && shadows(candidate, route));
    if (earlier >= 0) found.push({ later, earlier });
  });
  return found;
}
