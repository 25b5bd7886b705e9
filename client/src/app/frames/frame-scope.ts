/**
 * What a framed (third-party) view may reach through the shell. The frame holds no secret; these
 * rules are the whole of its access, so they are narrow: its extension's own routes and events,
 * and a few read-only facts of the host.
 */

/** Host routes any view may read (GET/HEAD), beside its extension's own. */
const HOST_READS = new Set(['/sessions', '/identity/state', '/health']);
/** Host event families any view may follow (`session:open`, `extensions:changed`). */
const HOST_EVENT_PREFIXES = new Set(['session', 'extensions']);
/** The page's sockets (socket.io polls below `/ws/`): never a view's, whatever its id. */
const PAGE_SOCKET = /^\/ws(\/|$)/i;

export interface ScopeRefusal {
  readonly code: 'KITH_ERR_FORBIDDEN' | 'KITH_ERR_BAD_REQUEST';
  readonly status: 403 | 400;
  readonly message: string;
}

/**
 * Why `extensionId`'s view may not send `method` to `path` (below `/api`), or undefined when it
 * may: `/<id>/…` and `/ext/<id>/…` (its own routes), or a read of {@link HOST_READS}.
 */
export function refusePath(extensionId: string, method: string, path: unknown): ScopeRefusal | undefined {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || !path.startsWith('/')) {
    return { code: 'KITH_ERR_BAD_REQUEST', status: 400, message: 'path must be an API path below /api, starting with "/"' };
  }
  const pathname = path.split(/[?#]/, 1)[0]!;
  // Nothing that a URL parser or the host's router could turn into another path.
  if (/\/\/|\\|%2e|%2f|%5c|[\u0000-\u001f\u007f]/i.test(pathname) || pathname.split('/').some((part) => part === '.' || part === '..')) {
    return { code: 'KITH_ERR_BAD_REQUEST', status: 400, message: 'path must be a plain path: no "//", dot segments, backslashes or encoded separators' };
  }
  if (PAGE_SOCKET.test(pathname)) {
    return { code: 'KITH_ERR_FORBIDDEN', status: 403, message: "A view may not use the page's event socket (/api/ws); it follows events through on and onHostEvent" };
  }
  const own = pathname === `/${extensionId}` || pathname.startsWith(`/${extensionId}/`) || pathname.startsWith(`/ext/${extensionId}/`);
  const upper = method.toUpperCase();
  if (own || ((upper === 'GET' || upper === 'HEAD') && HOST_READS.has(pathname))) return undefined;
  return {
    code: 'KITH_ERR_FORBIDDEN',
    status: 403,
    message: `A view of "${extensionId}" may call only its own routes (/api/${extensionId}/… or /api/ext/${extensionId}/…), not ${upper} ${pathname.slice(0, 200)}`,
  };
}

/** True when `extensionId`'s view may follow the host event `name` (`onHostEvent`). */
export function mayFollowHostEvent(extensionId: string, name: unknown): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return false;
  const prefix = name.split(':', 1)[0]!;
  return name.includes(':') && (prefix === extensionId || HOST_EVENT_PREFIXES.has(prefix));
}
