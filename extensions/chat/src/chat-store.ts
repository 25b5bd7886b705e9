/**
 * The chat history: one table of messages, bodies sealed with the persona's at-rest key, paged by
 * a local row cursor. Rows are scoped to the persona by the host's storage handle. A friend's
 * conversation is stored under `ctx.sealing.tag(peer)`, never the friend's key: the file alone does
 * not show whom the persona talks to; the key itself is kept sealed in `conversations`.
 */
import type { ExtensionStorage, PeerKey, Sealing } from '@kith/sdk';
import type { ChatMessage, Conversation, MessageState, Quote } from './chat-message.js';
import { ReactionStore } from './chat-reactions-store.js';

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
  '002-conversation-tags': {
    async up(db) {
      // `messages.conversation` becomes `self` or a tag; the tag's friend key, sealed, lives here.
      // Rows written before hold the key in clear: tagConversations() converts them per persona.
      await db.schema
        .createTable('conversations')
        .addColumn('tag', 'text', (c) => c.primaryKey())
        .addColumn('peer', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '003-replies-reactions-deleted': {
    async up(db) {
      // A reply names the message it quotes; a message the friend deleted for both keeps its row
      // (body emptied) so the conversation can say "message deleted" where it was.
      await db.schema.alterTable('messages').addColumn('reply_to', 'text').execute();
      await db.schema.alterTable('messages').addColumn('deleted_at', 'integer').execute();
      await db.schema
        .createTable('reactions')
        .addColumn('row_id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('conversation', 'text', (c) => c.notNull())
        .addColumn('msg_id', 'text', (c) => c.notNull())
        .addColumn('from_me', 'integer', (c) => c.notNull())
        .addColumn('emoji', 'text', (c) => c.notNull())
        .addColumn('at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reactions_by_message').unique().on('reactions').columns(['conversation', 'msg_id', 'from_me']).execute();
    },
  },
  '004-messages-by-msg-id': {
    async up(db) {
      // The routes below /chat_messages/:msg_id name a message by its id alone, and a send with the
      // page's own id checks that no other conversation holds it: both look it up without the conversation.
      await db.schema.createIndex('messages_by_msg_id').on('messages').column('msg_id').execute();
    },
  },
};

/** How a friend's key looked in `messages.conversation` before 002. */
const KEY_IN_CLEAR = /^[0-9a-f]{64}$/;

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
  reply_to: string | null;
  deleted_at: number | null;
}

/** Every column of a message row ({@link Row}), named for RETURNING. */
const ROW_COLUMNS = ['row_id', 'msg_id', 'conversation', 'from_me', 'body', 'sent_at', 'stored_at', 'state', 'read_at', 'edited_at', 'event_id', 'reply_to', 'deleted_at'] as const;

/** Longest quote a reply carries to the page. */
const QUOTE_CHARS = 200;

/** Where a sent message's delivery ends (until a Retry). */
export type SettledState = 'delivered' | 'refused' | 'failed';

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
  /** Stored conversation key (tag) → the friend's key, for the tags this store has seen. */
  private readonly peers = new Map<string, PeerKey>();
  readonly reactions: ReactionStore;

  constructor(
    private readonly storage: ExtensionStorage,
    private readonly sealing: Sealing,
  ) {
    this.reactions = new ReactionStore(storage, sealing);
  }

  private get db() {
    return this.storage.db;
  }

  /** What `messages.conversation` holds for a conversation: `self`, or the friend's tag. */
  key(conversation: Conversation): string {
    return conversation === 'self' ? 'self' : this.sealing.tag(conversation);
  }

  /** Record the sealed key behind a friend's tag (once), so rows can name the friend again. */
  private async remember(peer: PeerKey): Promise<string> {
    const tag = this.sealing.tag(peer);
    if (this.peers.get(tag) === peer) return tag;
    await this.db
      .insertInto('conversations')
      .values({ tag, peer: this.sealing.sealText(peer) })
      .onConflict((oc: any) => oc.column('tag').doNothing())
      .execute();
    this.peers.set(tag, peer);
    return tag;
  }

  /** The conversation a stored key stands for. */
  private async conversationOf(key: string): Promise<Conversation> {
    if (key === 'self') return 'self';
    const known = this.peers.get(key);
    if (known) return known;
    const row = await this.db.selectFrom('conversations').select('peer').where('tag', '=', key).executeTakeFirst();
    if (!row) throw new Error('chat store: a conversation tag without its sealed key');
    const peer = this.sealing.openText((row as { peer: string }).peer);
    this.peers.set(key, peer);
    return peer;
  }

  /**
   * Rows stored before conversations were tagged hold the friend's key in clear: move them to the
   * tag (the host's secure_delete overwrites the old cells). Call once per activation; returns
   * how many conversations it converted.
   */
  async tagConversations(): Promise<number> {
    const rows = await this.db.selectFrom('messages').select('conversation').groupBy('conversation').execute();
    const inClear = (rows as { conversation: string }[]).map((r) => r.conversation).filter((c) => KEY_IN_CLEAR.test(c));
    for (const peer of inClear) {
      const tag = await this.remember(peer);
      await this.db.updateTable('messages').set({ conversation: tag }).where('conversation', '=', peer).execute();
    }
    return inClear.length;
  }

  /** Rows as messages, with the quote each reply names and every reaction (one query each per batch). */
  private async toMessages(rows: readonly Row[]): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    const byConversation = new Map<string, Row[]>();
    for (const row of rows) byConversation.set(row.conversation, [...(byConversation.get(row.conversation) ?? []), row]);
    const quotes = new Map<string, Quote>();
    const reactions = new Map<string, Map<string, { fromMe: boolean; emoji: string }[]>>();
    for (const [key, group] of byConversation) {
      for (const [id, quote] of await this.quotes(key, group)) quotes.set(`${key}/${id}`, quote);
      reactions.set(key, await this.reactions.of(key, group.map((r) => r.msg_id)));
    }
    for (const row of rows) {
      const quote = row.reply_to === null ? null : (quotes.get(`${row.conversation}/${row.reply_to}`) ?? { id: row.reply_to, fromMe: false, body: null });
      messages.push(await this.toMessage(row, quote, reactions.get(row.conversation)?.get(row.msg_id) ?? []));
    }
    return messages;
  }

  /** The messages `rows` reply to in the conversation stored as `key`, by id (one query, none without replies). */
  private async quotes(key: string, rows: readonly Pick<Row, 'reply_to'>[]): Promise<Map<string, Quote>> {
    const found = new Map<string, Quote>();
    const replyIds = rows.map((r) => r.reply_to).filter((id): id is string => id !== null);
    if (replyIds.length === 0) return found;
    const quoted = (await this.db.selectFrom('messages').selectAll().where('conversation', '=', key).where('msg_id', 'in', [...new Set(replyIds)]).execute()) as Row[];
    for (const q of quoted) found.set(q.msg_id, this.quoteOf(q));
    return found;
  }

  private quoteOf(row: Row): Quote {
    const body = row.deleted_at === null ? this.sealing.openText(row.body) : null;
    return { id: row.msg_id, fromMe: row.from_me === 1, body: body === null ? null : body.slice(0, QUOTE_CHARS) };
  }

  private async toMessage(row: Row, replyTo: Quote | null, reactions: readonly { fromMe: boolean; emoji: string }[]): Promise<ChatMessage> {
    return {
      cursor: row.row_id,
      id: row.msg_id,
      conversation: await this.conversationOf(row.conversation),
      fromMe: row.from_me === 1,
      body: row.deleted_at === null ? this.sealing.openText(row.body) : '',
      sentAt: row.sent_at,
      storedAt: row.stored_at,
      state: row.state as MessageState,
      readAt: row.read_at,
      editedAt: row.edited_at,
      deletedAt: row.deleted_at ?? null,
      replyTo,
      reactions,
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
    replyTo?: string | null;
  }): Promise<ChatMessage | undefined> {
    const conversation = message.conversation === 'self' ? 'self' : await this.remember(message.conversation);
    const row = {
      msg_id: message.id,
      conversation,
      from_me: message.fromMe ? 1 : 0,
      sent_at: message.sentAt,
      stored_at: Date.now(),
      state: message.state,
      read_at: message.readAt ?? null,
      reply_to: message.replyTo ?? null,
    };
    // The unique (conversation, msg_id) index decides a redelivery: nothing is read first.
    const result = await this.db
      .insertInto('messages')
      .values({ ...row, body: this.sealing.sealText(message.body) })
      .onConflict((oc: any) => oc.columns(['conversation', 'msg_id']).doNothing())
      .executeTakeFirst();
    if (!result || Number(result.numInsertedOrUpdatedRows ?? 0n) === 0 || result.insertId === undefined) return undefined;
    // A new row is what was just written; reactions need the message first, so it has none yet.
    const quote = row.reply_to === null ? null : ((await this.quotes(conversation, [row])).get(row.reply_to) ?? { id: row.reply_to, fromMe: false, body: null });
    return {
      cursor: Number(result.insertId),
      id: row.msg_id,
      conversation: message.conversation,
      fromMe: message.fromMe,
      body: message.body,
      sentAt: row.sent_at,
      storedAt: row.stored_at,
      state: row.state,
      readAt: row.read_at,
      editedAt: null,
      deletedAt: null,
      replyTo: quote,
      reactions: [],
    };
  }

  async get(conversation: Conversation, id: string): Promise<ChatMessage | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .executeTakeFirst();
    return row ? (await this.toMessages([row as Row]))[0] : undefined;
  }

  /** Every stored copy of `id` (ids are random, so normally one), mine first. */
  async find(id: string): Promise<ChatMessage[]> {
    const rows = await this.db.selectFrom('messages').selectAll().where('msg_id', '=', id).orderBy('from_me', 'desc').execute();
    return this.toMessages(rows as Row[]);
  }

  /** Record the bus's receipt; false when a report settled the message first (its state stays). */
  async setSent(conversation: Conversation, id: string, eventId: string, state: 'queued' | 'sent'): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ event_id: eventId, state })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .where('state', 'in', ['queued', 'sent'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * My messages stored before `before` that never got an event id: the host stopped between
   * storing one and handing it to the bus (or before its receipt was recorded).
   */
  async orphans(before: number): Promise<ChatMessage[]> {
    const rows = await this.orphanRows().where('stored_at', '<', before).orderBy('row_id').execute();
    return this.toMessages(rows as Row[]);
  }

  /** My message `id` to `conversation` if it is such an orphan. */
  async orphan(conversation: Conversation, id: string): Promise<ChatMessage | undefined> {
    const rows = await this.orphanRows().where('conversation', '=', this.key(conversation)).where('msg_id', '=', id).execute();
    return (await this.toMessages(rows as Row[]))[0];
  }

  private orphanRows() {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('from_me', '=', 1)
      .where('state', '=', 'queued')
      .where('event_id', 'is', null)
      .where('conversation', '!=', 'self');
  }

  /** My message `id` to `conversation`, moved to `state` (from queued or sent only). */
  async settleMessage(conversation: Conversation, id: string, state: SettledState): Promise<ChatMessage | undefined> {
    const updated = (await this.db
      .updateTable('messages')
      .set({ state })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .where('from_me', '=', 1)
      .where('state', 'in', ['queued', 'sent'])
      .returning(ROW_COLUMNS)
      .executeTakeFirst()) as Row | undefined;
    // Not updated: a repeated report, or not mine; answer the message as it is.
    return updated ? (await this.toMessages([updated]))[0] : this.get(conversation, id);
  }

  /** The message whose text event `eventId` was, moved to `state` (from queued or sent only). */
  async settle(eventId: string, state: SettledState): Promise<ChatMessage | undefined> {
    const row = (await this.db.selectFrom('messages').selectAll().where('event_id', '=', eventId).executeTakeFirst()) as Row | undefined;
    if (!row) return undefined;
    if (row.state === 'queued' || row.state === 'sent') {
      await this.db.updateTable('messages').set({ state }).where('row_id', '=', row.row_id).execute();
    }
    return this.get(await this.conversationOf(row.conversation), row.msg_id);
  }

  /**
   * My refused or failed message goes back to `queued` for another attempt (a Retry). Returns it,
   * or undefined when it is not mine or not refused or failed (already retried, delivered...).
   */
  async requeue(conversation: Conversation, id: string): Promise<ChatMessage | undefined> {
    const result = await this.db
      .updateTable('messages')
      .set({ state: 'queued', event_id: null })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .where('from_me', '=', 1)
      .where('state', 'in', ['refused', 'failed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? this.get(conversation, id) : undefined;
  }

  /** The friend deleted their message for both: keep the row as a "deleted" marker, body gone. */
  async markDeleted(conversation: Conversation, id: string, at: number): Promise<ChatMessage | undefined> {
    await this.db
      .updateTable('messages')
      .set({ body: this.sealing.sealText(''), deleted_at: at, reply_to: null })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .execute();
    await this.reactions.clearMessage(this.key(conversation), id);
    return this.get(conversation, id);
  }

  /** Mark messages read: mine (`fromMe`, a receipt from the friend) or theirs (I read them). */
  async markRead(conversation: Conversation, ids: readonly string[], readAt: number, fromMe: boolean): Promise<ChatMessage[]> {
    if (ids.length === 0) return [];
    await this.db
      .updateTable('messages')
      .set({ state: 'read', read_at: readAt })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', 'in', ids)
      .where('from_me', '=', fromMe ? 1 : 0)
      .where('read_at', 'is', null)
      .execute();
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', 'in', ids)
      .execute();
    return this.toMessages(rows as Row[]);
  }

  /** Ids of the friend's messages up to `cursor` I have not read yet. */
  async unreadIds(conversation: Conversation, upToCursor?: number): Promise<string[]> {
    let query = this.db
      .selectFrom('messages')
      .select('msg_id')
      .where('conversation', '=', this.key(conversation))
      .where('from_me', '=', 0)
      .where('read_at', 'is', null);
    if (upToCursor !== undefined) query = query.where('row_id', '<=', upToCursor);
    const rows = await query.orderBy('row_id').execute();
    return rows.map((row: { msg_id: string }) => row.msg_id);
  }

  async edit(conversation: Conversation, id: string, body: string, editedAt: number | null): Promise<ChatMessage | undefined> {
    await this.db
      .updateTable('messages')
      .set({ body: this.sealing.sealText(body), edited_at: editedAt })
      .where('conversation', '=', this.key(conversation))
      .where('msg_id', '=', id)
      .execute();
    return this.get(conversation, id);
  }

  async delete(conversation: Conversation, id: string): Promise<boolean> {
    await this.reactions.clearMessage(this.key(conversation), id);
    const result = await this.db.deleteFrom('messages').where('conversation', '=', this.key(conversation)).where('msg_id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async clear(conversation: Conversation): Promise<number> {
    await this.reactions.clearConversation(this.key(conversation));
    const result = await this.db.deleteFrom('messages').where('conversation', '=', this.key(conversation)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** A page of history, oldest first: the newest `limit` messages before `before` (a cursor). */
  async page(conversation: Conversation, options: { before?: number; limit: number }): Promise<Page> {
    const limit = Math.min(Math.max(options.limit, 1), MAX_PAGE);
    let query = this.db.selectFrom('messages').selectAll().where('conversation', '=', this.key(conversation));
    if (options.before !== undefined) query = query.where('row_id', '<', options.before);
    const rows = (await query.orderBy('row_id', 'desc').limit(limit + 1).execute()) as Row[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit).reverse();
    return { messages: await this.toMessages(page), nextCursor: more && page.length > 0 ? page[0]!.row_id : null };
  }

  /** Messages after `after` (a cursor), oldest first: what a reconnecting page missed. */
  async since(conversation: Conversation, after: number, limit: number): Promise<ChatMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation', '=', this.key(conversation))
      .where('row_id', '>', after)
      .orderBy('row_id')
      .limit(Math.min(Math.max(limit, 1), MAX_PAGE))
      .execute();
    return this.toMessages(rows as Row[]);
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
      if (last) summaries.push({ conversation: await this.conversationOf(row.conversation), last: (await this.toMessages([last]))[0]!, unread: unreadBy.get(row.conversation) ?? 0 });
    }
    return summaries.sort((a, b) => b.last.cursor - a.last.cursor);
  }
}
