/** Each friendship's schedule key, derived once per activation and kept only in memory. */
import type { ExtensionContext, PeerKey } from '@kith/sdk';
import { SCHEDULE_INFO } from './schedule.js';

export class FriendKeys {
  readonly #keys = new Map<PeerKey, Promise<Uint8Array>>();

  constructor(private readonly ctx: Pick<ExtensionContext, 'keys'>) {}

  get(peer: PeerKey): Promise<Uint8Array> {
    let key = this.#keys.get(peer);
    if (!key) {
      key = this.ctx.keys.friendKey(peer, SCHEDULE_INFO);
      key.catch(() => this.#keys.delete(peer));
      this.#keys.set(peer, key);
    }
    return key;
  }

  forget(peer: PeerKey): void {
    void this.#keys.get(peer)?.then((k) => k.fill(0), () => undefined);
    this.#keys.delete(peer);
  }

  clear(): void {
    for (const peer of [...this.#keys.keys()]) this.forget(peer);
  }
}
