/**
 * The chat history: one table of messages, bodies sealed with the persona's at-rest key, paged by
 * a local row cursor. Rows are scoped to the persona by the host's storage handle.
 */
import type { ExtensionStorage, Sealing } from '@kith/sdk';
import type { ChatMessage, Conversation, MessageState } from './chat-message.js';

type Migrations = Parameters<ExtensionStorage['migrate']>[0];

export const CHAT_MIGRATIONS: Migrations = {
  '001-messages': {
    async up(db) {
      await db.schema
        .createTable('messages')
        .addColumn('row_id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('msg_id', 'text', (c) => c.notNull())
        .addColumn('conversation', 'text', (c) => c.notNull())
        .addColumn('from_me', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'integer', (c) => c.notNull())
        .addColumn('stored_at', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('read_at', 'integer')
        .addColumn('edited_at', 'integer')
        .addColumn('event_id', 'text')
        .execute();
      await db.schema.createIndex('messages_by_id').unique().on('messages').columns(['conversation', 'msg_id']).execute();
      await db.schema.createIndex('messages_by_event').on('messages').column('event_id').execute();
    },
  },
};

interface Row {
  row_id: number;
  msg_id: string;
  conversation: string;
  from_me: number;
  body: string;
  sent_at: number;
  stored_at: number;
  state: string;
  read_at: number | null;
  edited_at: number | null;
  event_id: string | null;
}

/** Most rows one page returns. */
export const MAX_PAGE = 200;

export interface Page {
  /** Oldest first. */
  readonly messages: readonly ChatMessage[];
  /** Pass as `before` to get the page of older messages; null when there are none. */
  readonly nextCursor: number | null;
}

export interface ConversationSummary {
  readonly conversation: Conversation;
  readonly last: ChatMessage;
  readonly unread: number;
}

export class ChatStore {
  constructor(
    private readonly storage: ExtensionStorage,
    private readonly sealing: Sealing,
  ) {}

  private get db() {
    return this.storage.db;
  }

  private toMessage(row: Row): ChatMessage {
    return {
      cursor: row.row_id,
      id: row.msg_id,
      conversation: row.conversation,
      fromMe: row.from_me === 1,
      body: this.sealing.openText(row.body),
      sentAt: row.sent_at,
      storedAt: row.stored_at,
      state: row.state as MessageState,
      readAt: row.read_at,
      editedAt: row.edited_at,
    };
  }

  /** Store a message; returns undefined when (conversation, id) is already stored (a redelivery). */
  async insert(message: {
    id: string;
    conversation: Conversation;
    fromMe: boolean;
    body: string;
    sentAt: number;
    state: MessageState;
    readAt?: number | null;
  }): Promise<ChatMessage | undefined> {
    const existing = await this.get(message.conversation, message.id);
    if (existing) return undefined;
    const storedAt = Date.now();
    const result = await this.db
      .insertInto('messages')
      .values({
        msg_id: message.id,
        conversation: message.conversation,
        from_me: message.fromMe ? 1 : 0,
        body: this.sealing.sealText(message.body),
        sent_at: message.sentAt,
        stored_at: storedAt,
        state: message.state,
        read_at: message.readAt ?? null,
      })
      .onConflict((oc: any) => oc.columns(['conversation', 'msg_id']).doNothing())
      .executeTakeFirst();
    if (!result || Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
    return this.get(message.conversation, message.id);
  }

  async get(conversation: Conversation, id: string): Promise<ChatMessage | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', conversation)
      .where('msg_id', '=', id)
      .executeTakeFirst();
    return row ? this.toMessage(row as Row) : undefined;
  }

  /** Every stored copy of `id` (ids are random, so normally one), mine first. */
  async find(id: string): Promise<ChatMessage[]> {
    const rows = await this.db.selectFrom('messages').selectAll().where('msg_id', '=', id).orderBy('from_me', 'desc').execute();
    return (rows as Row[]).map((row) => this.toMessage(row));
  }

  async setSent(conversation: Conversation, id: string, eventId: string, state: 'queued' | 'sent'): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ event_id: eventId, state })
      .where('conversation', '=', conversation)
      .where('msg_id', '=', id)
      .where('state', 'in', ['queued', 'sent'])
      .execute();
  }

  /**
   * My messages stored before `before` that never got an event id: the host stopped between
   * storing one and handing it to the bus (or before its receipt was recorded).
   */
  async orphans(before: number): Promise<ChatMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('from_me', '=', 1)
      .where('state', '=', 'queued')
      .where('event_id', 'is', null)
      .where('conversation', '!=', 'self')
      .where('stored_at', '<', before)
      .orderBy('row_id')
      .execute();
    return (rows as Row[]).map((row) => this.toMessage(row));
  }

  /** The message whose text event `eventId` was, moved to `state` (from queued or sent only). */
  async settle(eventId: string, state: 'delivered' | 'refused'): Promise<ChatMessage | undefined> {
    const row = (await this.db.selectFrom('messages').selectAll().where('event_id', '=', eventId).executeTakeFirst()) as Row | undefined;
    if (!row) return undefined;
    if (row.state === 'queued' || row.state === 'sent') {
      await this.db.updateTable('messages').set({ state }).where('row_id', '=', row.row_id).execute();
    }
    return this.get(row.conversation, row.msg_id);
  }

  /** Mark messages read: mine (`fromMe`, a receipt from the friend) or theirs (I read them). */
  async markRead(conversation: Conversation, ids: readonly string[], readAt: number, fromMe: boolean): Promise<ChatMessage[]> {
    if (ids.length === 0) return [];
    await this.db
      .updateTable('messages')
      .set({ state: 'read', read_at: readAt })
      .where('conversation', '=', conversation)
      .where('msg_id', 'in', ids)
      .where('from_me', '=', fromMe ? 1 : 0)
      .where('read_at', 'is', null)
      .execute();
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', conversation)
      .where('msg_id', 'in', ids)
      .execute();
    return (rows as Row[]).map((row) => this.toMessage(row));
  }

  /** Ids of the friend's messages up to `cursor` I have not read yet. */
  async unreadIds(conversation: Conversation, upToCursor?: number): Promise<string[]> {
    let query = this.db
      .selectFrom('messages')
      .select('msg_id')
      .where('conversation', '=', conversation)
      .where('from_me', '=', 0)
      .where('read_at', 'is', null);
    if (upToCursor !== undefined) query = query.where('row_id', '<=', upToCursor);
    const rows = await query.orderBy('row_id').execute();
    return rows.map((row: { msg_id: string }) => row.msg_id);
  }

  async edit(conversation: Conversation, id: string, body: string, editedAt: number): Promise<ChatMessage | undefined> {
    await this.db
      .updateTable('messages')
      .set({ body: this.sealing.sealText(body), edited_at: editedAt })
      .where('conversation', '=', conversation)
      .where('msg_id', '=', id)
      .execute();
    return this.get(conversation, id);
  }

  async delete(conversation: Conversation, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('messages').where('conversation', '=', conversation).where('msg_id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async clear(conversation: Conversation): Promise<number> {
    const result = await this.db.deleteFrom('messages').where('conversation', '=', conversation).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** A page of history, oldest first: the newest `limit` messages before `before` (a cursor). */
  async page(conversation: Conversation, options: { before?: number; limit: number }): Promise<Page> {
    const limit = Math.min(Math.max(options.limit, 1), MAX_PAGE);
    let query = this.db.selectFrom('messages').selectAll().where('conversation', '=', conversation);
    if (options.before !== undefined) query = query.where('row_id', '<', options.before);
    const rows = (await query.orderBy('row_id', 'desc').limit(limit + 1).execute()) as Row[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    return { messages: page.map((row) => this.toMessage(row)), nextCursor: more && page.length > 0 ? page[0]!.row_id : null };
  }

  /** Messages after `after` (a cursor), oldest first: what a reconnecting page missed. */
  async since(conversation: Conversation, after: number, limit: number): Promise<ChatMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', conversation)
      .where('row_id', '>', after)
      .orderBy('row_id')
      .limit(Math.min(Math.max(limit, 1), MAX_PAGE))
      .execute();
    return (rows as Row[]).map((row) => this.toMessage(row));
  }

  /** Messages whose body contains `text` (case-insensitive), newest first. Bodies are sealed, so this opens them. */
  async search(conversation: Conversation, text: string, limit: number): Promise<ChatMessage[]> {
    const needle = text.toLocaleLowerCase();
    const found: ChatMessage[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await this.page(conversation, { before, limit: MAX_PAGE });
      for (const message of [...page.messages].reverse()) {
        if (message.body.toLocaleLowerCase().includes(needle)) found.push(message);
        if (found.length >= limit) return found;
      }
      if (page.nextCursor === null) return found;
      before = page.nextCursor;
    }
  }

  /** Every conversation with its newest message and unread count, newest first. */
  async conversations(): Promise<ConversationSummary[]> {
    const lasts = await this.db
      .selectFrom('messages')
      .select(['conversation', (eb: any) => eb.fn.max('row_id').as('last_row')])
      .groupBy('conversation')
      .execute();
    const unread = await this.db
      .selectFrom('messages')
      .select(['conversation', (eb: any) => eb.fn.countAll().as('unread')])
      .where('from_me', '=', 0)
      .where('read_at', 'is', null)
      .groupBy('conversation')
      .execute();
    const unreadBy = new Map((unread as unknown as { conversation: string; unread: number | bigint }[]).map((row) => [row.conversation, Number(row.unread)]));
    const summaries: ConversationSummary[] = [];
    for (const row of lasts as unknown as { conversation: string; last_row: number }[]) {
      const last = (await this.db.selectFrom('messages').selectAll().where('row_id', '=', row.last_row).executeTakeFirst()) as Row | undefined;
      if (last) summaries.push({ conversation: row.conversation, last: this.toMessage(last), unread: unreadBy.get(row.conversation) ?? 0 });
    }
    return summaries.sort((a, b) => b.last.cursor - a.last.cursor);
  }
}
