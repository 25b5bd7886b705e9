import type { RequestHandler } from 'express';
import { KithError } from '@kith/sdk';

/**
 * Refuses requests a web browser sends on a page's behalf. Peer apps call the rendezvous from
 * their own process (no `Origin`, no `Sec-Fetch-Site`); a browser adds `Origin` to every POST and
 * cross-origin fetch and `Sec-Fetch-Site` to everything. Without this, any web page could make
 * its visitors' browsers publish (the body parser reads any content type, so a `text/plain` POST
 * needs no CORS preflight), and every visitor would be a fresh source with its own quotas and
 * rate. Opening a URL by hand (`Sec-Fetch-Site: none`, no `Origin`) still works, e.g. /r/health.
 * Runs before the rate limiter: a refused browser request costs its address no tokens.
 */
export function refuseBrowserRequests(): RequestHandler {
  return (req, res, next) => {
    const site = req.headers['sec-fetch-site'];
    if (req.headers.origin === undefined && (site === undefined || site === 'none')) return next();
    res.status(403).json(new KithError('KITH_ERR_FORBIDDEN', 'The rendezvous answers Kith apps, not web pages (the request carried a browser\'s Origin or Sec-Fetch-Site)').toJSON());
  };
}
