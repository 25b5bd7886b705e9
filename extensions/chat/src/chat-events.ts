/** Chat's bus kinds, delivery reports and the UI's typing messages, wired to the service. */
import { Disposable, type ExtensionContext } from '@kith/sdk';
import { refusalMessage } from './chat-refusals.js';
import type { ChatService } from './chat-service.js';

export function registerChatEvents(ctx: ExtensionContext, chat: ChatService): Disposable {
  return Disposable.from(
    ctx.kinds.register('chat.text', (event) => chat.receiveText(event)),
    ctx.kinds.register('chat.read', (event) => chat.receiveRead(event)),
    ctx.kinds.register('chat.edit', (event) => chat.receiveEdit(event)),
    ctx.kinds.register('chat.delete', (event) => chat.receiveDelete(event)),
    ctx.kinds.register('chat.clear', (event) => chat.receiveClear(event)),
    ctx.kinds.register('chat.reply', (event) => chat.receiveReply(event)),
    ctx.kinds.register('chat.react', (event) => chat.receiveReact(event)),
    ctx.kinds.register('chat.typing-start', (event) => chat.receiveTyping(event, true)),
    ctx.kinds.register('chat.typing-stop', (event) => chat.receiveTyping(event, false)),
    // Reports are at-least-once: the bus keeps each one until the promise returned here resolves
    // (and replays it after a crash), so these return the promise and settle() is idempotent.
    ctx.sessions.onDidDeliver((report) => chat.settle(report, 'delivered')),
    ctx.sessions.onDidFail((report) => chat.settle(report, 'failed')),
    ctx.sessions.onDidNack((report) => {
      if (!report.kind.startsWith('chat.')) return;
      ctx.events.emit('nack', { peer: report.peer, kind: report.kind, reason: report.reason, message: refusalMessage(report.reason, report.message) });
      return chat.settle(report, 'refused');
    }),
    // A friend saved by pairing (or renamed, or removed) changes the conversation list at once.
    ctx.friends.onDidChange(({ peer, change }) => ctx.events.emit('friends', { peer, change })),
    ctx.sessions.onDidOpen((session) => ctx.events.emit('online', { peer: session.peer, online: true })),
    ctx.sessions.onDidClose((closed) => ctx.events.emit('online', { peer: closed.session.peer, online: false })),
    // The page sends `chat:typing` { peer, typing } while the user types.
    ctx.events.on('typing', (payload) => {
      const { peer, typing } = (payload ?? {}) as { peer?: unknown; typing?: unknown };
      if (typeof peer !== 'string' || !/^[0-9a-f]{64}$/.test(peer) || typeof typing !== 'boolean') return;
      chat.typing(peer, typing).catch(() => undefined);
    }),
  );
}
