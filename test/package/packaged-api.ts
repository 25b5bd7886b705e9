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

/** JSON over the HTTP API of the packaged app, with the answers' status kept for assertions. */
export interface ApiAnswer<T = any> {
  readonly status: number;
  readonly body: T;
}

export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

export class ApiClient {
  constructor(private readonly fetcher: () => Fetcher) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await this.fetcher()(`/api${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Like {@link call}, but throws with the answer when the status is not 2xx. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} /api${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  }
}
