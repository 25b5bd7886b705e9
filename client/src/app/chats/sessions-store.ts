import { Injectable, computed, effect, inject, signal, untracked } from '@angular/core';
import { ApiClient } from '../api/api-client';
import { Realtime } from '../realtime/realtime';

/** A live encrypted session with a peer, as the host reports it. */
export interface LiveSession {
  readonly peer: string;
  readonly peerId: string;
  /** How it was reached, e.g. `ipv6-direct`, `ipv4-punch`, `lan-direct`. */
  readonly path: string;
}

type Raw = Record<string, unknown>;

function normalise(raw: Raw): LiveSession {
  return {
    peer: String(raw['peer'] ?? ''),
    peerId: String(raw['peer_id'] ?? raw['peerId'] ?? ''),
    path: String(raw['path'] ?? ''),
  };
}

/**
 * Live sessions: loaded from `GET /api/sessions` on every socket (re)connect and kept current by
 * the host's `session:open` / `session:close` events.
 */
@Injectable({ providedIn: 'root' })
export class SessionsStore {
  readonly #api = inject(ApiClient);
  readonly #sessions = signal<readonly LiveSession[]>([]);
  readonly sessions = this.#sessions.asReadonly();
  /** Master keys with a live session. */
  readonly livePeers = computed(() => new Set(this.#sessions().map((s) => s.peer)));

  constructor() {
    const realtime = inject(Realtime);
    effect(() => {
      realtime.connections();
      untracked(() => void this.refresh());
    });
    realtime.on('session:open', (payload) => {
      const session = normalise(payload as Raw);
      this.#sessions.update((list) => [...list.filter((s) => s.peer !== session.peer), session]);
    });
    realtime.on('session:close', (payload) => {
      const closed = normalise(payload as Raw);
      this.#sessions.update((list) => list.filter((s) => s.peer !== closed.peer && s.peerId !== closed.peerId));
    });
  }

  async refresh(): Promise<void> {
    try {
      const raw = await this.#api.get<{ sessions?: Raw[] }>('/sessions');
      this.#sessions.set((raw?.sessions ?? []).map(normalise));
    } catch {
      this.#sessions.set([]);
    }
  }

  /** Close the live session with a peer (by master key or peer id). */
  async disconnect(peerOrId: string): Promise<void> {
    await this.#api.request('DELETE', `/sessions/${encodeURIComponent(peerOrId)}`);
    this.#sessions.update((list) => list.filter((s) => s.peer !== peerOrId && s.peerId !== peerOrId));
  }
}
