import { sql, type Kysely } from 'kysely';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EventEmitter, KithError, type Event, type Friend, type FriendCard, type Friends, type PeerKey } from '@kith/sdk';
import type { HostTables } from '../storage/tables.js';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';
import { peerKeyBytes } from './persona-keys.js';
import { openText, sealText } from '../storage/sealing.js';
import { peerTag } from '../storage/peer-tag.js';
import { checkLabel, MAX_LABEL_CHARS } from './label.js';

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
/** What `friends.sealed` holds. */
interface SealedCard {
  readonly peer: PeerKey;
  readonly label: string;
  readonly peerId: string | null;
  readonly x25519PublicKey: string;
}

/**
 * The `friends` table (002-friends, 006-friends-sealed) for every persona, keyed by the persona's
 * master public key. At rest a friend is a keyed hash of its master key (`peer_tag`, for lookups)
 * and a sealed card (key, label, peer id, X25519 key), so the file does not show who one's friends
 * are. Rows from before 006 are sealed the first time their persona uses the table.
 */
export class FriendTable {
  readonly #db: Kysely<HostTables>;
  readonly #onDidChange = new EventEmitter<FriendChange>();
  readonly onDidChange: Event<FriendChange> = this.#onDidChange.event;
  /** Personas whose clear rows were sealed in this run. */
  readonly #converted = new Set<string>();

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  async list(persona: ActivePersona): Promise<Friend[]> {
    const key = await this.#ready(persona);
    const rows = await this.#db.selectFrom('friends').selectAll().where('persona', '=', key).orderBy('added_at').orderBy('id').execute();
    return (rows as Row[]).map((row) => toFriend(row, openCard(persona, row)));
  }

  async get(persona: ActivePersona, peer: PeerKey): Promise<Friend | undefined> {
    const row = await this.#row(persona, peer);
    return row ? toFriend(row, openCard(persona, row)) : undefined;
  }

  /**
   * Save a friend's card. Idempotent by peer: saving again refreshes the last peer id and the
   * friend's X25519 key (and raises `verified`), but keeps the local label the user chose.
   */
  async save(persona: ActivePersona, card: FriendCard): Promise<Friend> {
    const clean = checkCard(card);
    const key = persona.info.masterPublicKey;
    if (clean.peer === key) throw new KithError('KITH_ERR_BAD_REQUEST', 'A persona cannot be its own friend');
    const now = Date.now();
    const existing = await this.#row(persona, clean.peer);
    if (existing) {
      const old = openCard(persona, existing);
      await this.#db
        .updateTable('friends')
        .set({
          sealed: sealCard(persona, { ...old, peerId: clean.peerId, x25519PublicKey: clean.x25519PublicKey }),
          verified: clean.verified ? 1 : existing.verified,
          updated_at: now,
        })
        .where('id', '=', existing.id)
        .execute();
    } else {
      await this.#db
        .insertInto('friends')
        .values({
          persona: key,
          peer_tag: tagOf(persona, clean.peer),
          sealed: sealCard(persona, { peer: clean.peer, label: clean.label, peerId: clean.peerId, x25519PublicKey: clean.x25519PublicKey }),
          label: '',
          last_peer_id: null,
          x25519_public_key: '',
          verified: clean.verified ? 1 : 0,
          auto_connect: 0,
          added_at: now,
          updated_at: now,
        })
        .execute();
    }
    const saved = (await this.get(persona, clean.peer))!;
    this.#onDidChange.fire({ persona: key, peer: clean.peer, change: 'saved' });
    return saved;
  }

  async update(persona: ActivePersona, peer: PeerKey, changes: { label?: string; verified?: boolean; autoConnect?: boolean }): Promise<Friend> {
    const set: Partial<Pick<Row, 'sealed' | 'verified' | 'auto_connect' | 'updated_at'>> = { updated_at: Date.now() };
    const label = changes.label === undefined ? undefined : checkLabel(changes.label, FRIEND_LABEL_MESSAGE);
    if (changes.verified !== undefined) set.verified = checkBoolean(changes.verified, 'verified') ? 1 : 0;
    if (changes.autoConnect !== undefined) set.auto_connect = checkBoolean(changes.autoConnect, 'autoConnect') ? 1 : 0;
    const row = await this.#row(persona, peer);
    if (!row) throw new KithError('KITH_ERR_NOT_FOUND', 'No such friend');
    if (label !== undefined) set.sealed = sealCard(persona, { ...openCard(persona, row), label });
    await this.#db.updateTable('friends').set(set).where('id', '=', row.id).execute();
    this.#onDidChange.fire({ persona: persona.info.masterPublicKey, peer, change: 'updated' });
    return (await this.get(persona, peer))!;
  }

  async remove(persona: ActivePersona, peer: PeerKey): Promise<void> {
    const key = await this.#ready(persona);
    const result = await this.#db.deleteFrom('friends').where('persona', '=', key).where('peer_tag', '=', tagOf(persona, peer)).executeTakeFirst();
    if (Number(result.numDeletedRows) > 0) this.#onDidChange.fire({ persona: key, peer, change: 'removed' });
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }

  async #row(persona: ActivePersona, peer: PeerKey): Promise<Row | undefined> {
    const key = await this.#ready(persona);
    const row = await this.#db.selectFrom('friends').selectAll().where('persona', '=', key).where('peer_tag', '=', tagOf(persona, peer)).executeTakeFirst();
    return row as Row | undefined;
  }

  /** Seal the persona's rows written before 006 (once per run), then checkpoint so the WAL keeps no clear copy. */
  async #ready(persona: ActivePersona): Promise<string> {
    const key = persona.info.masterPublicKey;
    if (this.#converted.has(key)) return key;
    const legacy = (await this.#db.selectFrom('friends').selectAll().where('persona', '=', key).where('sealed', 'is', null).execute()) as Row[];
    for (const row of legacy) {
      // Before 006, peer_tag (then `peer`) held the friend's key itself.
      const card = { peer: row.peer_tag, label: row.label, peerId: row.last_peer_id, x25519PublicKey: row.x25519_public_key };
      await this.#db
        .updateTable('friends')
        .set({ peer_tag: peerTag(persona.atRestKey, row.peer_tag), sealed: sealCard(persona, card), label: '', last_peer_id: null, x25519_public_key: '' })
        .where('id', '=', row.id)
        .where('sealed', 'is', null)
        .execute();
    }
    if (legacy.length > 0) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.#db);
    this.#converted.add(key);
    return key;
  }
}

/** The friend's key as a keyed hash (storage/peer-tag.ts). */
function tagOf(persona: ActivePersona, peer: PeerKey): string {
  return peerTag(persona.atRestKey, checkPeer(peer));
}

function sealCard(persona: ActivePersona, card: SealedCard): string {
  return sealText(persona.atRestKey, JSON.stringify(card));
}

function openCard(persona: ActivePersona, row: Row): SealedCard {
  if (row.sealed === null) throw new KithError('KITH_ERR_INTERNAL', 'A friend row was not sealed');
  return JSON.parse(openText(persona.atRestKey, row.sealed)) as SealedCard;
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
    list: async () => table.list(current()),
    get: async (peer) => table.get(current(), checkPeer(peer)),
    save: async (card) => table.save(current(), card),
    update: async (peer, changes) => table.update(current(), checkPeer(peer), changes ?? {}),
    remove: async (peer) => table.remove(current(), checkPeer(peer)),
    ownX25519PublicKeyFor: (peer) => bytesToHex(current().friendX25519(peerKeyBytes(checkPeer(peer))).publicKey),
    onDidChange,
  };
}

function toFriend(row: Row, card: SealedCard): Friend {
  return {
    id: row.id,
    peer: card.peer,
    label: card.label,
    lastPeerId: card.peerId,
    x25519PublicKey: card.x25519PublicKey,
    verified: row.verified === 1,
    autoConnect: row.auto_connect === 1,
    addedAt: row.added_at,
  };
}

const FRIEND_LABEL_MESSAGE = `A friend label is 1-${MAX_LABEL_CHARS} printable characters`;

function checkPeer(peer: unknown): PeerKey {
  if (typeof peer !== 'string' || !HEX64.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A peer key is 64 lowercase hex characters');
  return peer;
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
  return { peer: checkPeer(card.peer), peerId, label: checkLabel(card.label, FRIEND_LABEL_MESSAGE), x25519PublicKey: card.x25519PublicKey, verified: card.verified === true };
}
