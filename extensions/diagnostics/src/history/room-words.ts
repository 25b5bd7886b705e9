import { createHash } from 'node:crypto';
import type { ExtensionStorage, Sealing } from '@kith/sdk';

type Migrations = Parameters<ExtensionStorage['migrate']>[0];

export const ROOM_WORD_MIGRATIONS: Migrations = {
  '001-room-words': {
    async up(db) {
      await db.schema
        .createTable('room_words')
        .addColumn('room_tag', 'text', (c) => c.primaryKey())
        .addColumn('word', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const MAX_WORD_LENGTH = 256;
const MAX_WORDS = 200;
const ROOM = /^[0-9a-f]{64}$/;

/**
 * The words the user typed for rendezvous rooms. The host keeps only a room's id (a hash of the
 * word), so the Diagnostics page remembers the word itself when the user names a room there: sealed
 * at rest, found by a keyed tag of the room id (the SQLite file shows neither word nor room).
 */
export class RoomWords {
  constructor(private readonly storage: ExtensionStorage, private readonly sealing: Sealing) {}

  /** Remember `word`; answers the room id it names. */
  async remember(word: string): Promise<string> {
    if (typeof word !== 'string' || word.trim().length === 0 || word.length > MAX_WORD_LENGTH) {
      throw new RangeError(`a room word is 1 to ${MAX_WORD_LENGTH} characters`);
    }
    const room = roomForWord(word);
    const row = { room_tag: this.sealing.tag(room), word: this.sealing.sealText(word.trim()), saved_at: Date.now() };
    const existing = await this.storage.db.selectFrom('room_words').select('room_tag').where('room_tag', '=', row.room_tag).executeTakeFirst();
    if (existing) {
      await this.storage.db.updateTable('room_words').set({ word: row.word, saved_at: row.saved_at }).where('room_tag', '=', row.room_tag).execute();
    } else {
      const count = await this.storage.db.selectFrom('room_words').select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst();
      if (Number((count as { n?: unknown } | undefined)?.n ?? 0) >= MAX_WORDS) throw new RangeError(`at most ${MAX_WORDS} room words are remembered`);
      await this.storage.db.insertInto('room_words').values(row).execute();
    }
    return room;
  }

  /** Every remembered word (the report redacts them like labels). */
  async allWords(): Promise<string[]> {
    const rows = await this.storage.db.selectFrom('room_words').select('word').limit(MAX_WORDS).execute();
    return (rows as { word: string }[]).map((r) => this.sealing.openText(r.word));
  }

  /** The typed word of each known room id (unknown ones are left out). */
  async wordsFor(rooms: readonly string[]): Promise<Record<string, string>> {
    const wanted = rooms.filter((r) => typeof r === 'string' && ROOM.test(r)).slice(0, MAX_WORDS);
    if (wanted.length === 0) return {};
    const byTag = new Map(wanted.map((room) => [this.sealing.tag(room), room]));
    const rows = await this.storage.db.selectFrom('room_words').select(['room_tag', 'word']).where('room_tag', 'in', [...byTag.keys()]).execute();
    const words: Record<string, string> = {};
    for (const row of rows as { room_tag: string; word: string }[]) words[byTag.get(row.room_tag)!] = this.sealing.openText(row.word);
    return words;
  }
}

/**
 * The rendezvous room id of a word, as every Kith peer derives it (rendezvous/src/peer/room.ts,
 * a public derivation: hex SHA-256 over a versioned prefix and the NFKC, trimmed, lower-cased word).
 */
export function roomForWord(word: string): string {
  const normalised = word.normalize('NFKC').trim().toLowerCase();
  if (normalised.length === 0) throw new RangeError('the room word is empty');
  return createHash('sha256').update(`kith/rendezvous/v1/room/${normalised}`, 'utf8').digest('hex');
}
