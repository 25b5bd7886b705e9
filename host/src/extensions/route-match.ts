/**
 * Whether a raw request URL could reach a declared route pattern, for the gateway's front door,
 * which runs before express and must judge a declared body size from the URL alone. It knows the
 * pattern shapes the shadowing check knows (literals, `:param`, a trailing `*rest`) and says no to
 * anything else, so an unusual pattern just keeps the front door's ordinary bound.
 */

const PARAM = /^:[A-Za-z_$][\w$]*$/;
const WILDCARD = /^\*[A-Za-z_$][\w$]*$/;
const LITERAL = /^[A-Za-z0-9._~@!$&'()+,;=-]*$/;

/** True when `url` (e.g. `/api/media/blobs/ab?x=1`) matches `pattern` (e.g. `/media/blobs/:id`) mounted under `/api`. */
export function urlMatchesRoute(pattern: string, url: string, mount = '/api'): boolean {
  const path = url.split('?')[0]!;
  if (!path.toLowerCase().startsWith(`${mount}/`)) return false;
  const have = segments(path.slice(mount.length));
  const want = segments(pattern);
  for (const [i, part] of want.entries()) {
    if (WILDCARD.test(part) && i === want.length - 1) return have.length > i;
    const got = have[i];
    if (got === undefined) return false;
    if (PARAM.test(part)) {
      if (got === '') return false;
    } else if (!LITERAL.test(part) || part.toLowerCase() !== got.toLowerCase()) {
      return false;
    }
  }
  return have.length === want.length;
}

/** Path segments, ignoring one trailing slash (express is not strict about it). */
function segments(path: string): string[] {
  const parts = path.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
