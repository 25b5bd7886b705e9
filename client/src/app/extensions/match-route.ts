import type { NavContribution } from '@kith/sdk';

/** Match `call/:peer` against `call/abc` → `{ peer: 'abc' }`; undefined when it does not match. */
export function matchRoute(nav: NavContribution, path: string): Record<string, string> | undefined {
  const pattern = nav.route.replace(/^\/+|\/+$/g, '').split('/');
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      const value = safeDecode(parts[i]);
      if (value === undefined || value === '') return undefined;
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== parts[i]) return undefined;
  }
  return params;
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined; // a malformed %-escape: no match rather than an error
  }
}
