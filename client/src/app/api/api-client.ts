import { Injectable, signal } from '@angular/core';
import { ApiError } from './api-error';
import { readLaunchSecret, SECRET_HEADER } from './launch-secret';

/** Names the persona a request is for (host/src/gateway/lock-gate.ts): the host refuses one made for another. */
export const PERSONA_HEADER = 'x-kith-persona';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The one way the shell (and, through UiHost, extension UI) talks to the local API: adds the
 * launch secret, sends and parses JSON, turns error answers into {@link ApiError}. A host restart
 * (new secret) is noticed by the socket, which reloads the page; a 423 tells the shell to re-check
 * the lock.
 */
@Injectable({ providedIn: 'root' })
export class ApiClient {
  readonly #secret = readLaunchSecret();
  /** Fires with the status of every 423 answer (the persona got locked elsewhere). */
  readonly locked = signal(0);

  /** `fetch` below `/api` with the launch secret; `path` starts with `/` (e.g. `/sessions`). */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set(SECRET_HEADER, this.#secret);
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    const response = await fetch(`/api${path}`, { ...init, headers, credentials: 'omit', cache: 'no-store' });
    if (response.status === 423) this.locked.update((n) => n + 1);
    return response;
  }

  /** JSON request; resolves with the parsed body (undefined for 204), throws {@link ApiError}. */
  async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await ApiError.from(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** The secret, for the socket.io handshake only. */
  get secret(): string {
    return this.#secret;
  }
}
