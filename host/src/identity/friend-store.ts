import type { Kysely } from 'kysely';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EventEmitter, KithError, type Event, type Friend, type FriendCard, type Friends, type PeerKey } from '@kith/sdk';
import type { HostTables } from '../storage/tables.js';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';
import { peerKeyBytes } from './persona-keys.js';

/** A change to some persona's friends list. */
export interface FriendChange {
  /** Master public key hex of the persona whose list changed. */
  readonly persona: PeerKey;
  readonly peer: PeerKey;
  readonly change: 'saved' | 'updated' | 'removed';
}

/**
 * The host's friends, identity-area side: the same API extensions get as `ctx.friends`, for the
 * active persona, plus `onDidChange`. Throws `KITH_ERR_LOCKED` while locked.
 */
export type FriendStore = Friends;

const HEX64 = /^[0-9a-f]{64}$/;
type Row = HostTables['friends'] & { id: number };

/** The `friends` table (002-friends) for every persona; rows are keyed by the persona's master public key. */
export class FriendTable {
  readonly #db: Kysely<HostTables>;
  readonly #onDidChange = new EventEmitter<FriendChange>();
  readonly onDidChange: Event<FriendChange> = this.#onDidChange.event;

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  async list(persona: PeerKey): Promise<Friend[]> {
    const rows = await this.#db.selectFrom('friends').selectAll().where('persona', '=', persona).orderBy('added_at').orderBy('id').execute();
    return (rows as Row[]).map(toFriend);
  }

  async get(persona: PeerKey, peer: PeerKey): Promise<Friend | undefined> {
    const row = await this.#db.selectFrom('friends').selectAll().where('persona', '=', persona).where('peer', '=', peer).executeTakeFirst();
    return row ? toFriend(row as Row) : undefined;
  }

  /**
   * Save a friend's card. Idempotent by peer: saving again refreshes the last peer id and the
   * friend's X25519 key (and raises `verified`), but keeps the local label the user chose.
   */
  async save(persona: PeerKey, card: FriendCard): Promise<Friend> {
    const clean = checkCard(card);
    if (clean.peer === persona) throw new KithError('KITH_ERR_BAD_REQUEST', 'A persona cannot be its own friend');
    const now = Date.now();
    await this.#db
      .insertInto('friends')
      .values({
        persona,
        peer: clean.peer,
        label: clean.label,
        last_peer_id: clean.peerId,
        x25519_public_key: clean.x25519PublicKey,
        verified: clean.verified ? 1 : 0,
        auto_connect: 0,
        added_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['persona', 'peer']).doUpdateSet((eb) => ({
          last_peer_id: eb.ref('excluded.last_peer_id'),
          x25519_public_key: eb.ref('excluded.x25519_public_key'),
          verified: clean.verified ? 1 : eb.ref('friends.verified'),
          updated_at: now,
        })),
      )
      .execute();
    const saved = (await this.get(persona, clean.peer))!;
    this.#onDidChange.fire({ persona, peer: clean.peer, change: 'saved' });
    return saved;
  }

  async update(persona: PeerKey, peer: PeerKey, changes: { label?: string; verified?: boolean; autoConnect?: boolean }): Promise<Friend> {
    const set: Partial<Pick<Row, 'label' | 'verified' | 'auto_connect' | 'updated_at'>> = { updated_at: Date.now() };
    if (changes.label !== undefined) set.label = checkLabel(changes.label);
    if (changes.verified !== undefined) set.verified = checkBoolean(changes.verified, 'verified') ? 1 : 0;
    if (changes.autoConnect !== undefined) set.auto_connect = checkBoolean(changes.autoConnect, 'autoConnect') ? 1 : 0;
    const result = await this.#db.updateTable('friends').set(set).where('persona', '=', persona).where('peer', '=', peer).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new KithError('KITH_ERR_NOT_FOUND', 'No such friend');
    this.#onDidChange.fire({ persona, peer, change: 'updated' });
    return (await this.get(persona, peer))!;
  }

  async remove(persona: PeerKey, peer: PeerKey): Promise<void> {
    const result = await this.#db.deleteFrom('friends').where('persona', '=', persona).where('peer', '=', peer).executeTakeFirst();
    if (Number(result.numDeletedRows) > 0) this.#onDidChange.fire({ persona, peer, change: 'removed' });
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }
}

/** The friends of one persona, as `ctx.friends` (events filtered to that persona). */
export function personaFriends(table: FriendTable, persona: ActivePersona): Friends {
  return viewOf(table, () => persona);
}

/** The friends of whichever persona is active (`identity.friends`); throws `KITH_ERR_LOCKED` while locked. */
export function activeFriends(table: FriendTable, gate: PersonaGate): FriendStore {
  return viewOf(table, () => {
    const persona = gate.active;
    if (!persona) throw new KithError('KITH_ERR_LOCKED');
    return persona;
  });
}

function viewOf(table: FriendTable, current: () => ActivePersona): Friends {
  const key = () => current().info.masterPublicKey;
  // Subscribe lazily so an unused view holds no listener on the table.
  const onDidChange: Friends['onDidChange'] = (listener, thisArgs, disposables) => {
    const inner = table.onDidChange((e) => {
      let persona: ActivePersona | undefined;
      try {
        persona = current();
      } catch {
        return;
      }
      if (e.persona === persona.info.masterPublicKey) listener.call(thisArgs, { peer: e.peer, change: e.change });
    });
    disposables?.push(inner);
    return inner;
  };
  return {
    list: async () => table.list(key()),
    get: async (peer) => table.get(key(), checkPeer(peer)),
    save: async (card) => table.save(key(), card),
    update: async (peer, changes) => table.update(key(), checkPeer(peer), changes ?? {}),
    remove: async (peer) => table.remove(key(), checkPeer(peer)),
    ownX25519PublicKeyFor: (peer) => bytesToHex(current().friendX25519(peerKeyBytes(checkPeer(peer))).publicKey),
    onDidChange,
  };
}

function toFriend(row: Row): Friend {
  return {
    id: row.id,
    peer: row.peer,
    label: row.label,
    lastPeerId: row.last_peer_id,
    x25519PublicKey: row.x25519_public_key,
    verified: row.verified === 1,
    autoConnect: row.auto_connect === 1,
    addedAt: row.added_at,
  };
}

function checkPeer(peer: unknown): PeerKey {
  if (typeof peer !== 'string' || !HEX64.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A peer key is 64 lowercase hex characters');
  return peer;
}

function checkLabel(label: unknown): string {
  const trimmed = typeof label === 'string' ? label.trim() : '';
  if (trimmed.length === 0 || trimmed.length > 64 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A friend label is 1-64 printable characters');
  }
  return trimmed;
}

function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be true or false`);
  return value;
}

function checkCard(card: FriendCard): Required<Omit<FriendCard, 'verified'>> & { verified: boolean } {
  if (typeof card !== 'object' || card === null) throw new KithError('KITH_ERR_BAD_REQUEST', 'A friend card is an object');
  const peerId = card.peerId;
  if (typeof peerId !== 'string' || peerId.length === 0 || peerId.length > 128) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A friend card needs a peerId of 1-128 characters');
  }
  if (typeof card.x25519PublicKey !== 'string' || !HEX64.test(card.x25519PublicKey)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A friend card needs a 64-hex x25519PublicKey');
  }
  if (card.verified !== undefined && typeof card.verified !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', 'verified must be true or false');
  return { peer: checkPeer(card.peer), peerId, label: checkLabel(card.label), x25519PublicKey: card.x25519PublicKey, verified: card.verified === true };
}
