import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { KithError, type KeyDerivation, type Sealing } from '@kith/sdk';
import type { ContextProviders, ExtensionScope } from '../core/area.js';
import type { Database } from '../storage/database.js';
import { createChannelStorage } from '@kith/sdk/storage';
import { Disposable, type StorageChannel } from '@kith/sdk';
import { openStorageChannel } from '../storage/host-storage-channel.js';
import { extensionSealingKey, keyedTag, openBytes, openText, sealBytes, sealText } from '../storage/sealing.js';
import { resealLegacyValues } from './legacy-reseal.js';
import { personaFriends, type FriendTable } from './friend-store.js';
import { permittedFriends } from './permitted-friends.js';
import { peerKeyBytes } from './persona-keys.js';

/**
 * `ctx.sealing`: the storage sealing helpers under the extension's own key for this persona
 * (storage/sealing.ts, extensionSealingKey), derived per call from the at-rest key so that it
 * throws `KITH_ERR_LOCKED` once locked and no derived key outlives the call. With `database`, the
 * first use re-seals what the extension sealed before per-extension keys (legacy-reseal.ts).
 */
export function sealingFor(scope: ExtensionScope, database?: Pick<Database, 'sqlite'>): Sealing {
  const persona = scope.persona;
  const id = scope.extension.id;
  const withKey = <T>(use: (key: Uint8Array) => T): T => {
    const key = extensionSealingKey(persona.atRestKey, id);
    try {
      return use(key);
    } finally {
      key.fill(0);
    }
  };
  if (database) {
    const scopeIds = { extensionId: id, personaSlug: persona.info.slug, personaKey: persona.info.masterPublicKey };
    const resealed = withKey((key) => resealLegacyValues(database.sqlite, scopeIds, persona.atRestKey, key));
    if (resealed > 0) scope.log.info('re-sealed values under the extension key', { resealed });
  }
  return {
    sealText: (plaintext) => withKey((key) => sealText(key, plaintext)),
    openText: (sealed) => withKey((key) => openText(key, sealed)),
    sealBytes: (plaintext) => withKey((key) => sealBytes(key, plaintext)),
    openBytes: (sealed) => withKey((key) => openBytes(key, sealed)),
    tag: (value) => keyedTag(persona.atRestKey, id, value),
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
    sealing: (scope) => sealingFor(scope, database),
    keys: (scope) => keysFor(scope, friends),
    friends: (scope) => permittedFriends(personaFriends(friends, scope.persona), scope),
  };
}
