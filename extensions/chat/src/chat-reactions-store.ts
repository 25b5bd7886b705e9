/**
 * Reactions to messages: at most one per person (me or the friend) per message, the emoji sealed
 * at rest like bodies. Rows name the conversation the way `messages` does (`self` or a tag).
 */
import type { ExtensionStorage, Sealing } from '@kith/sdk';

export interface Reaction {
  readonly fromMe: boolean;
  readonly emoji: string;
}

interface ReactionRow {
  msg_id: string;
  from_me: number;
  emoji: string;
}

export class ReactionStore {
  constructor(
    private readonly storage: ExtensionStorage,
    private readonly sealing: Sealing,
  ) {}

  /** Set (or, with an empty emoji, remove) one side's reaction to a message. */
  async set(conversationKey: string, id: string, fromMe: boolean, emoji: string, at: number): Promise<void> {
    const db = this.storage.db;
    await db.deleteFrom('reactions').where('conversation', '=', conversationKey).where('msg_id', '=', id).where('from_me', '=', fromMe ? 1 : 0).execute();
    if (emoji === '') return;
    await db.insertInto('reactions').values({ conversation: conversationKey, msg_id: id, from_me: fromMe ? 1 : 0, emoji: this.sealing.sealText(emoji), at }).execute();
  }

  /** Reactions of the given messages, by message id (mine first). */
  async of(conversationKey: string, ids: readonly string[]): Promise<Map<string, Reaction[]>> {
    const found = new Map<string, Reaction[]>();
    if (ids.length === 0) return found;
    const rows = (await this.storage.db
      .selectFrom('reactions')
      .select(['msg_id', 'from_me', 'emoji'])
      .where('conversation', '=', conversationKey)
      .where('msg_id', 'in', [...new Set(ids)])
      .orderBy('from_me', 'desc')
      .execute()) as ReactionRow[];
    for (const row of rows) {
      const list = found.get(row.msg_id) ?? [];
      list.push({ fromMe: row.from_me === 1, emoji: this.sealing.openText(row.emoji) });
      found.set(row.msg_id, list);
    }
    return found;
  }

  async clearMessage(conversationKey: string, id: string): Promise<void> {
    await this.storage.db.deleteFrom('reactions').where('conversation', '=', conversationKey).where('msg_id', '=', id).execute();
  }

  async clearConversation(conversationKey: string): Promise<void> {
    await this.storage.db.deleteFrom('reactions').where('conversation', '=', conversationKey).execute();
  }
}
