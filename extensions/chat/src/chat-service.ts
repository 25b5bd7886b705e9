/**
 * What chat does, independent of HTTP: send (queue-first through the bus), receive, receipts,
 * edits, deletes, clears and typing, each persisted before it is acknowledged and announced to
 * the pages with `ctx.events`.
 */
import { isKithError, KithError, type DeliveryReport, type ExtensionContext, type InboundEvent, type PeerKey } from '@kith/sdk';
import {
  bodyBytes, decodeClear, decodeDelete, decodeEdit, decodeReact, decodeRead, decodeReply, decodeText,
  encodeClear, encodeDelete, encodeEdit, encodeReact, encodeRead, encodeReply, encodeText, MAX_READ_IDS, newMessageId,
} from './chat-codec.js';
import { chatReply, chatText, chatTypingStart, chatTypingStop, isReaction } from './chat-kinds.js';
import { TypingGate } from './typing-gate.js';
import { messageJson, type ChatMessage, type Conversation } from './chat-message.js';
import type { ChatStore, SettledState } from './chat-store.js';
import type { JustInTimeConnect } from './just-in-time-connect.js';

/** The per-friendship stream chat events travel on. */
export const CHAT_STREAM = 'chat';

/** What a send may add to the body: the page's own id (idempotent retries) and the message it answers. */
export interface SendOptions {
  /** Chosen by the page: a send that reaches the host twice stores and sends one message. */
  readonly id?: string;
  /** The id of a message in the same conversation this one replies to. */
  readonly replyTo?: string;
}

/** The kinds whose delivery settles a message of mine. */
const MESSAGE_KINDS: ReadonlySet<string> = new Set([chatText.name, chatReply.name]);
export class ChatService {
  /** Typing I send (from the page) and typing friends send me: each direction gated per friend. */
  private readonly typingOut = new TypingGate();
  private readonly typingIn = new TypingGate();
  /** Ids of my messages being handed to the bus now (a retry under one of them waits for that). */
  private readonly handing = new Set<string>();

  constructor(
    private readonly ctx: ExtensionContext,
    private readonly store: ChatStore,
    private readonly connector: JustInTimeConnect,
  ) {}

  private stream(peer: PeerKey): string {
    return this.ctx.streams.forFriend(peer, CHAT_STREAM);
  }

  private announce(name: string, conversation: Conversation, payload: Record<string, unknown>): void {
    this.ctx.events.emit(name, { peer: conversation, ...payload });
  }

  private changed(message: ChatMessage | undefined): void {
    if (message) this.announce('message-updated', message.conversation, { message: messageJson(message) });
  }

  private async requireFriend(peer: PeerKey): Promise<void> {
    if (!(await this.ctx.friends.get(peer))) throw new KithError('KITH_ERR_NOT_FOUND', 'That peer is not a friend; pair first');
  }

  private checkBody(body: string): void {
    try {
      bodyBytes(body);
    } catch (error) {
      throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', (error as Error).message);
    }
  }

  /**
   * Send a message (or save a note to self). It is stored first, then handed to the bus queue.
   * With `options.id` a repeated request (a page retrying after a lost answer) returns the message
   * already stored under that id instead of sending it twice; an id another conversation holds is refused.
   */
  async send(conversation: Conversation, body: string, options: SendOptions = {}): Promise<ChatMessage> {
    this.checkBody(body);
    if (options.id !== undefined) {
      // One lookup by id alone: a copy here is a retry (or the friend's id); a copy elsewhere would
      // make /chat_messages/:msg_id ambiguous.
      const copies = await this.store.find(options.id);
      const existing = copies.find((m) => m.conversation === conversation);
      if (existing) {
        if (!existing.fromMe) throw new KithError('KITH_ERR_CONFLICT', 'That message id is taken');
        // A retry carries the same text; other text under a used id is another message, not a retry
        // (unless the message was edited or deleted since, when its body is no longer the sent one).
        const changedSince = existing.editedAt !== null || existing.deletedAt !== null;
        if (!changedSince && (existing.body !== body || (existing.replyTo?.id ?? null) !== (options.replyTo ?? null))) {
          throw new KithError('KITH_ERR_CONFLICT', 'That message id was used for another message: a retry sends the same text');
        }
        // Stored but never handed to the bus (a full disk refused the queue and kept the row): the
        // retry hands it over now, so it does not wait for the next unlock.
        // (Not while its first hand-over is still under way: that one sends it.)
        const orphan = this.handing.has(existing.id) ? undefined : await this.store.orphan(conversation, existing.id);
        if (orphan) return this.hand(orphan, async (error) => Promise.reject(keptHere(error, existing.id)));
        return existing;
      }
      if (copies.length > 0) throw new KithError('KITH_ERR_CONFLICT', 'That message id is taken (by another conversation)');
    }
    if (options.replyTo !== undefined && !(await this.store.get(conversation, options.replyTo))) {
      throw new KithError('KITH_ERR_NOT_FOUND', 'The message to reply to is not in this conversation');
    }
    const id = options.id ?? newMessageId();
    const replyTo = options.replyTo ?? null;
    if (conversation === 'self') {
      const note = await this.store.insert({ id, conversation, fromMe: true, body, sentAt: Date.now(), state: 'delivered', replyTo });
      this.announce('message', conversation, { message: messageJson(note!) });
      return note!;
    }
    await this.requireFriend(conversation);
    const stored = await this.store.insert({ id, conversation, fromMe: true, body, sentAt: Date.now(), state: 'queued', replyTo });
    if (!stored) return (await this.store.get(conversation, id))!; // the same id raced in: one message
    return this.hand(stored, async (error) => {
      // The bus did not take it: do not leave a message that looks queued but never will be sent.
      if (await this.store.delete(conversation, id).then(() => true, () => false)) throw error;
      // On a full disk the delete can fail too: the message stays here, and is sent by a retry
      // under its id or at the next unlock. Say so, never "nothing was stored".
      throw keptHere(error, id);
    });
  }

  /**
   * Hand a stored message to the bus and announce it; `failed` decides what a refusal leaves
   * (by default it propagates, the row staying for the next try).
   */
  private async hand(stored: ChatMessage, failed: (error: unknown) => Promise<never>): Promise<ChatMessage> {
    let state: 'queued' | 'sent' | undefined;
    this.handing.add(stored.id);
    try {
      state = await this.queue(stored);
    } catch (error) {
      return failed(error);
    } finally {
      this.handing.delete(stored.id);
    }
    // Unless a report settled it first, the message is what was stored, in the receipt's state.
    const message = state ? { ...stored, state } : (await this.store.get(stored.conversation, stored.id))!;
    this.announce('message', stored.conversation, { message: messageJson(message) });
    return message;
  }

  /**
   * Hand a stored message of mine to the bus (chat.text, or chat.reply when it answers one), tagged
   * with its id so a report settles it even before this returns, and record the receipt. Answers
   * the state recorded, or undefined when a report had already settled the message.
   */
  private async queue(message: ChatMessage): Promise<'queued' | 'sent' | undefined> {
    const peer = message.conversation as PeerKey;
    const event = { id: message.id, sentAt: message.sentAt, body: message.body };
    const { header, payload } = message.replyTo ? encodeReply({ ...event, replyTo: message.replyTo.id }) : encodeText(event);
    const kind = message.replyTo ? chatReply.name : chatText.name;
    const receipt = await this.ctx.sessions.send(peer, this.stream(peer), kind, header, payload, { reliable: true, priority: 'interactive', tag: message.id });
    const state = receipt.queued ? 'queued' : 'sent';
    if (receipt.queued) this.connector.connectNow(peer);
    // The bus has it now, whatever follows: a failed note of the receipt (a full disk) must not
    // make the caller take the message back. Its report settles the row by its tag later.
    const recorded = await this.store.setSent(peer, message.id, receipt.eventId, state).catch((error: unknown) => {
      this.ctx.log.warn('a sent message\'s receipt was not recorded; its delivery report settles it', { error: (error as Error).message });
      return true;
    });
    return recorded ? state : undefined;
  }

  /**
   * Send a refused or failed message of mine again, under the same id (the friend's chat keeps one
   * copy per id). Answers the message as it is now; a message that needs no retry is returned as is.
   */
  async retry(id: string): Promise<ChatMessage> {
    const message = (await this.store.find(id)).find((m) => m.fromMe);
    if (!message) throw new KithError('KITH_ERR_NOT_FOUND', 'No such message of yours');
    if (message.conversation === 'self') return message;
    const requeued = await this.store.requeue(message.conversation, id);
    if (!requeued) return message;
    this.changed(requeued);
    try {
      await this.queue(requeued);
    } catch (error) {
      this.changed(await this.store.settleMessage(message.conversation, id, 'failed'));
      throw error;
    }
    const now = (await this.store.get(message.conversation, id))!;
    this.changed(now);
    return now;
  }

  /** React to a message (mine or the friend's) with one emoji, or '' to take my reaction back. */
  async react(id: string, emoji: string): Promise<ChatMessage> {
    if (!isReaction(emoji)) throw new KithError('KITH_ERR_BAD_REQUEST', 'emoji must be one emoji (or empty to remove the reaction)');
    const message = (await this.store.find(id))[0];
    if (!message || message.deletedAt !== null) throw new KithError('KITH_ERR_NOT_FOUND', 'No such message');
    const at = Date.now();
    await this.store.reactions.set(this.store.key(message.conversation), id, true, emoji, at);
    if (message.conversation !== 'self') {
      const peer = message.conversation;
      await this.ctx.sessions.send(peer, this.stream(peer), 'chat.react', encodeReact({ id, emoji, reactedAt: at }), undefined, { reliable: true });
    }
    const updated = (await this.store.get(message.conversation, id))!;
    this.changed(updated);
    return updated;
  }

  /**
   * Hand my orphaned messages (stored, but the host stopped before their event id was recorded)
   * to the bus again. One may already be queued or even delivered under the lost event id: the
   * friend's chat keeps one copy per message id, and this send's report settles it.
   */
  async resendOrphans(before = Date.now()): Promise<number> {
    const orphans = await this.store.orphans(before);
    for (const message of orphans) {
      await this.queue(message);
      this.changed(await this.store.get(message.conversation, message.id));
    }
    return orphans.length;
  }

  /**
   * The friend persisted one of our messages (`delivered`) or its host refused it (`refused`).
   * Idempotent (a report may come again after a crash); resolves once the outcome is recorded,
   * since the bus keeps the report until then.
   */
  async settle(report: DeliveryReport, outcome: SettledState): Promise<void> {
    if (!MESSAGE_KINDS.has(report.kind)) return;
    // The tag is the message id; an event queued before sends carried tags is found by its event id.
    const message = report.tag !== undefined
      ? await this.store.settleMessage(report.peer, report.tag, outcome)
      : await this.store.settle(report.eventId, outcome);
    this.changed(message);
  }

  /** Mark the friend's messages read up to and including `id`, and tell the friend. */
  async markRead(conversation: Conversation, id: string): Promise<ChatMessage> {
    const message = await this.store.get(conversation, id);
    if (!message) throw new KithError('KITH_ERR_NOT_FOUND', 'No such message in this conversation');
    if (conversation === 'self') {
      const [read] = await this.store.markRead('self', [id], Date.now(), true);
      this.changed(read);
      return read ?? message;
    }
    if (message.fromMe) throw new KithError('KITH_ERR_CONFLICT', 'Only messages from the friend can be marked read');
    const ids = await this.store.unreadIds(conversation, message.cursor);
    const readAt = Date.now();
    const updated = await this.store.markRead(conversation, ids, readAt, false);
    for (const m of updated) this.changed(m);
    for (let i = 0; i < ids.length; i += MAX_READ_IDS) {
      const header = encodeRead({ ids: ids.slice(i, i + MAX_READ_IDS), readAt });
      await this.ctx.sessions.send(conversation, this.stream(conversation), 'chat.read', header, undefined, { reliable: true });
    }
    return (await this.store.get(conversation, id))!;
  }

  /** Edit one of my messages; a friend's copy is edited too. */
  async edit(id: string, body: string): Promise<ChatMessage> {
    this.checkBody(body);
    const message = (await this.store.find(id))[0];
    if (!message) throw new KithError('KITH_ERR_NOT_FOUND', 'No such message');
    if (!message.fromMe) throw new KithError('KITH_ERR_CONFLICT', 'Only your own messages can be edited');
    const editedAt = Date.now();
    const edited = (await this.store.edit(message.conversation, id, body, editedAt))!;
    if (message.conversation !== 'self') {
      const { header, payload } = encodeEdit({ id, editedAt, body });
      try {
        await this.ctx.sessions.send(message.conversation, this.stream(message.conversation), 'chat.edit', header, payload, { reliable: true });
      } catch (error) {
        // The friend will not get it: put the text back, so both sides keep showing the same.
        if (await this.store.edit(message.conversation, id, message.body, message.editedAt).then(() => true, () => false)) throw error;
        // On a full disk putting it back can fail too: say what stays, never "nothing was stored".
        if (isKithError(error) && error.code === 'KITH_ERR_DISK_FULL') {
          this.changed(edited);
          throw new KithError('KITH_ERR_DISK_FULL', 'The disk is full: the edit is kept here but your friend does not have it yet. Edit the message again once there is room to send it', { id });
        }
        throw error;
      }
    }
    this.changed(edited);
    return edited;
  }

  /** Delete a message here; `mutual` also deletes the friend's copy (my own messages only). */
  async delete(id: string, mutual: boolean): Promise<void> {
    const message = (await this.store.find(id))[0];
    if (!message) throw new KithError('KITH_ERR_NOT_FOUND', 'No such message');
    if (mutual && message.conversation !== 'self') {
      if (!message.fromMe) throw new KithError('KITH_ERR_CONFLICT', 'Only your own messages can be deleted for both sides');
      await this.ctx.sessions.send(message.conversation, this.stream(message.conversation), 'chat.delete', encodeDelete({ id }), undefined, {
        reliable: true,
      });
    }
    await this.store.delete(message.conversation, id);
    this.announce('message-deleted', message.conversation, { id });
  }

  /** Clear a conversation here; `mutual` clears the friend's copy too. */
  async clear(conversation: Conversation, mutual: boolean): Promise<number> {
    if (mutual && conversation !== 'self') {
      await this.requireFriend(conversation);
      await this.ctx.sessions.send(conversation, this.stream(conversation), 'chat.clear', encodeClear({ clearedAt: Date.now() }), undefined, {
        reliable: true,
      });
    }
    const removed = await this.store.clear(conversation);
    this.announce('cleared', conversation, {});
    return removed;
  }

  /** Tell a connected friend I started or stopped typing (unreliable: dropped when offline, or past the gate). */
  async typing(peer: PeerKey, typing: boolean): Promise<void> {
    if (!this.ctx.sessions.get(peer) || !this.typingOut.pass(peer, typing)) return;
    const kind = typing ? chatTypingStart : chatTypingStop;
    await this.ctx.sessions.send(peer, this.stream(peer), kind.name, kind.encode({}), undefined, {
      reliable: false,
      priority: 'interactive',
    });
  }

  // ------------------------------------------------------------------------------------------
  // Inbound events: each is persisted before the handler returns, so the bus acks after persist.
  // ------------------------------------------------------------------------------------------

  async receiveText(event: InboundEvent): Promise<void> {
    const text = decodeText(event.header, event.payload);
    if (!text) return this.refuse(event);
    const stored = await this.store.insert({ id: text.id, conversation: event.peer, fromMe: false, body: text.body, sentAt: text.sentAt, state: 'received' });
    if (stored) this.announce('message', event.peer, { message: messageJson(stored) });
  }

  async receiveReply(event: InboundEvent): Promise<void> {
    const reply = decodeReply(event.header, event.payload);
    if (!reply) return this.refuse(event);
    const stored = await this.store.insert({
      id: reply.id, conversation: event.peer, fromMe: false, body: reply.body, sentAt: reply.sentAt, state: 'received', replyTo: reply.replyTo,
    });
    if (stored) this.announce('message', event.peer, { message: messageJson(stored) });
  }

  async receiveReact(event: InboundEvent): Promise<void> {
    const react = decodeReact(event.header);
    if (!react) return this.refuse(event);
    const message = await this.store.get(event.peer, react.id);
    if (!message || message.deletedAt !== null) return; // deleted or cleared here meanwhile
    await this.store.reactions.set(this.store.key(event.peer), react.id, false, react.emoji, react.reactedAt);
    this.changed(await this.store.get(event.peer, react.id));
  }

  async receiveRead(event: InboundEvent): Promise<void> {
    const read = decodeRead(event.header);
    if (!read) return this.refuse(event);
    for (const message of await this.store.markRead(event.peer, read.ids, read.readAt, true)) this.changed(message);
  }

  async receiveEdit(event: InboundEvent): Promise<void> {
    const edit = decodeEdit(event.header, event.payload);
    if (!edit) return this.refuse(event);
    const message = await this.store.get(event.peer, edit.id);
    if (!message || message.fromMe || message.deletedAt !== null) return; // not theirs to edit, or deleted
    this.changed(await this.store.edit(event.peer, edit.id, edit.body, edit.editedAt));
  }

  async receiveDelete(event: InboundEvent): Promise<void> {
    const del = decodeDelete(event.header);
    if (!del) return this.refuse(event);
    const message = await this.store.get(event.peer, del.id);
    if (!message || message.fromMe) return;
    // The row stays as a "message deleted" marker where the message was; its body is gone.
    this.changed(await this.store.markDeleted(event.peer, del.id, Date.now()));
  }

  async receiveClear(event: InboundEvent): Promise<void> {
    if (!decodeClear(event.header)) return this.refuse(event);
    await this.store.clear(event.peer);
    this.announce('cleared', event.peer, {});
  }

  receiveTyping(event: InboundEvent, typing: boolean): void {
    if (this.typingIn.pass(event.peer, typing)) this.announce('typing', event.peer, { typing });
  }

  /** A malformed event is dropped (and acknowledged, so it is not resent forever), and logged. */
  private refuse(event: InboundEvent): void {
    this.ctx.log.warn('dropped a malformed chat event', { kind: event.kind, seq: event.seq });
  }
}

/**
 * What a refused hand-over of a message that stays stored is answered: on a full disk, that it is
 * kept here (never "nothing was stored"); anything else as it came.
 */
function keptHere(error: unknown, id: string): unknown {
  if (!isKithError(error) || error.code !== 'KITH_ERR_DISK_FULL') return error;
  return new KithError(
    'KITH_ERR_DISK_FULL',
    'The disk is full: the message is kept here but not sent yet. Send it again under the same id once there is room (it also goes out at the next unlock)',
    { id },
  );
}
