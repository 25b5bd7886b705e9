import type { FetchInit } from '../app/frames/frame-protocol';

/**
 * A `RequestInit` as plain data that crosses to the shell: method, headers, and the body as a
 * string (sent as it is, JSON by default, like the shell's own `fetch`) or bytes (a Blob,
 * FormData, URLSearchParams or stream is read here, with the content type the browser gives it).
 */
export async function fetchInitOf(init: RequestInit = {}): Promise<FetchInit> {
  const method = (init.method ?? 'GET').toUpperCase();
  if (init.body === undefined || init.body === null || typeof init.body === 'string' || method === 'GET' || method === 'HEAD') {
    return { method, headers: [...new Headers(init.headers)], body: typeof init.body === 'string' ? init.body : null };
  }
  const request = new Request('http://kith.invalid/', { method, headers: init.headers, body: init.body, duplex: 'half' } as RequestInit);
  return { method, headers: [...request.headers], body: await request.arrayBuffer() };
}
