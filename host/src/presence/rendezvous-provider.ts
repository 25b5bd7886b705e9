import { Disposable, KithError, type Rendezvous, type RendezvousEntry } from '@kith/sdk';
import { randomBytes } from 'node:crypto';
import { OWNER_SECRET_PATTERN, ROOM_PATTERN } from '../../../rendezvous/src/protocol.js';
import type { ExtensionScope } from '../core/area.js';
import type { PresenceEngine } from './presence-engine.js';

/**
 * `ctx.rendezvous` for one extension: raw rooms for extension protocols (pairing). Every publish is
 * tracked under the extension's id and unpublished when the extension is turned off, on lock and
 * on host stop.
 */
export function createRendezvousProvider(
  scope: ExtensionScope,
  deps: { engine: () => PresenceEngine },
): Rendezvous {
  const source = `ext:${scope.extension.id}`;
  const checkRoom = (room: string) => {
    if (!ROOM_PATTERN.test(room)) throw new KithError('KITH_ERR_BAD_REQUEST', 'room must be 64 lowercase hex characters (a SHA-256)');
  };
  scope.track(new Disposable(() => {
    void safeEngine(deps)?.unpublishWhere({ source }).catch(() => undefined);
  }));
  return {
    async publish(url, room, blob, owner) {
      checkRoom(room);
      // The owner is a secret: the server hands out only its hash, and needs the secret to replace or remove.
      const secret = owner ?? randomBytes(16).toString('base64url');
      if (!OWNER_SECRET_PATTERN.test(secret)) throw new KithError('KITH_ERR_BAD_REQUEST', 'owner must be a secret of 16-64 characters of [A-Za-z0-9_-]');
      await deps.engine().publishRaw(source, url, room, blob, secret);
    },
    async fetch(url, room): Promise<readonly RendezvousEntry[]> {
      checkRoom(room);
      return deps.engine().client(url).fetch(room);
    },
    async unpublish(url, room, owner) {
      checkRoom(room);
      await deps.engine().unpublishRaw(url, room, owner);
    },
    time(url) {
      return deps.engine().serverNow(url);
    },
  };
}

function safeEngine(deps: { engine: () => PresenceEngine }): PresenceEngine | undefined {
  try {
    return deps.engine();
  } catch {
    return undefined; // locked: the lock already unpublished everything
  }
}
