import type { NavContribution } from '@kith/sdk';

/** The longest route parameter, after decoding; a longer one does not match (the page is not found). */
export const MAX_ROUTE_PARAM_LENGTH = 256;

/**
 * Match `call/:peer` against `call/abc` → `{ peer: 'abc' }`; undefined when it does not match.
 * Parameters are URL-decoded strings of 1 to {@link MAX_ROUTE_PARAM_LENGTH} characters.
 */
export function matchRoute(nav: NavContribution, path: string): Record<string, string> | undefined {
  const pattern = nav.route.replace(/^\/+|\/+$/g, '').split('/');
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      const value = safeDecode(parts[i]);
      if (value === undefined || value === '' || value.length > MAX_ROUTE_PARAM_LENGTH) return undefined;
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== parts[i]) return undefined;
  }
  return params;
}

function safeDecode(part: string): string | undefined {
  if (part.length > MAX_ROUTE_PARAM_LENGTH * 3) return undefined; // more than any 256 characters' escapes
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined; // a malformed %-escape: no match rather than an error
  }
}
