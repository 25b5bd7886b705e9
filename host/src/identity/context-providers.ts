import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { KithError, type KeyDerivation, type Sealing } from '@kith/sdk';
import type { ContextProviders, ExtensionScope } from '../core/area.js';
import type { Database } from '../storage/database.js';
import { createChannelStorage } from '@kith/sdk/storage';
import { Disposable, type StorageChannel } from '@kith/sdk';
import { openStorageChannel } from '../storage/host-storage-channel.js';
import { keyedTag, openBytes, openText, sealBytes, sealText } from '../storage/sealing.js';
import { personaFriends, type FriendTable } from './friend-store.js';
import { peerKeyBytes } from './persona-keys.js';

/** `ctx.sealing`: the storage sealing helpers under the persona's at-rest key (throws `KITH_ERR_LOCKED` once locked). */
export function sealingFor(scope: ExtensionScope): Sealing {
  const persona = scope.persona;
  return {
    sealText: (plaintext) => sealText(persona.atRestKey, plaintext),
    openText: (sealed) => openText(persona.atRestKey, sealed),
    sealBytes: (plaintext) => sealBytes(persona.atRestKey, plaintext),
    openBytes: (sealed) => openBytes(persona.atRestKey, sealed),
    tag: (value) => keyedTag(persona.atRestKey, scope.extension.id, value),
  };
}

/**
 * `ctx.keys`: `friendKey(peer, info, salt?)` = HKDF-SHA256(ikm: X25519(our key for the friend,
 * their key for us), salt, info: "kith:friend-key:v1" | extension id | info). Both friends derive
 * the same bytes; different extensions and infos get unrelated keys.
 */
export function keysFor(scope: ExtensionScope, friends: FriendTable): KeyDerivation {
  return {
    async friendKey(peer, info, salt) {
      if (typeof info !== 'string' || info.length > 256) throw new KithError('KITH_ERR_BAD_REQUEST', 'info is a string of at most 256 characters');
      if (salt !== undefined && !(salt instanceof Uint8Array)) throw new KithError('KITH_ERR_BAD_REQUEST', 'salt must be bytes');
      const friend = await friends.get(scope.persona, peer);
      if (!friend) throw new KithError('KITH_ERR_NOT_FOUND', 'Not a saved friend of this persona');
      const shared = scope.persona.friendX25519(peerKeyBytes(peer)).sharedSecret(hexToBytes(friend.x25519PublicKey));
      try {
        const context = new TextEncoder().encode(`kith:friend-key:v1\u0000${scope.extension.id}\u0000${info}`);
        return hkdf(sha256, shared, salt ?? new Uint8Array(0), context, 32);
      } finally {
        shared.fill(0);
      }
    },
  };
}

/**
 * `ctx.storage`: the scoped channel storage (storage/extension-storage.ts), with a channel that
 * refuses every statement once the run stops. The kysely handle the extension holds is not a
 * context member the revocable proxy can reach, so the revocation sits at the channel.
 */
export function storageFor(scope: ExtensionScope, database: Database): ReturnType<typeof createChannelStorage> {
  const channel = openStorageChannel(database, scope.extension.id, scope.persona.info.masterPublicKey);
  let revoked = false;
  scope.track(new Disposable(() => (revoked = true)));
  const live = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
    revoked
      ? Promise.reject(new KithError('KITH_ERR_CONTEXT_REVOKED', `ctx.storage was used after extension "${scope.extension.id}" stopped`))
      : call(...args);
  const guarded: StorageChannel = {
    execute: live(channel.execute),
    begin: live(channel.begin),
    commit: live(channel.commit),
    rollback: (id) => channel.rollback(id), // ending a transaction is always allowed
    migrationsDone: live(channel.migrationsDone),
  };
  return createChannelStorage(guarded);
}

/** The context members the identity area provides: storage, sealing, keys, friends. */
export function identityProviders(database: Database, friends: FriendTable): ContextProviders {
  return {
    storage: (scope) => storageFor(scope, database),
    sealing: (scope) => sealingFor(scope),
    keys: (scope) => keysFor(scope, friends),
    friends: (scope) => personaFriends(friends, scope.persona),
  };
}
