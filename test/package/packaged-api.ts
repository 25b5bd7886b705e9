import { ApiClient } from '../e2e/support/api-client.js';

/**
 * Read the launch secret the way the browser gets it: from the `<meta name="kith-secret">` of the
 * page the app serves at `/`. Throws when the page or the tag is missing.
 */
export async function secretFromPage(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/`);
  if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
  const match = /<meta name="kith-secret" content="([A-Za-z0-9_-]+)">/.exec(await res.text());
  if (!match) throw new Error('the page carries no kith-secret meta tag');
  return match[1]!;
}

/** An API client for a running packaged app, authenticated with the secret from its page. */
export async function packagedApi(baseUrl: string): Promise<ApiClient> {
  const secret = await secretFromPage(baseUrl);
  return new ApiClient(() => (route, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-kith-secret', secret);
    return fetch(`${baseUrl}${route}`, { ...init, headers });
  });
}
