/** The chat extension: conversations with friends and notes to self. */
import { defineExtension } from '@kith/sdk';
import { registerAutoConnect } from './auto-connect.js';
import { registerChatEvents } from './chat-events.js';
import { registerChatRoutes } from './chat-routes.js';
import { ChatService } from './chat-service.js';
import { CHAT_MIGRATIONS, ChatStore } from './chat-store.js';
import { JustInTimeConnect } from './just-in-time-connect.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(CHAT_MIGRATIONS);
    const store = new ChatStore(ctx.storage, ctx.sealing);
    // Older rows name the friend by key in clear: tag them before anything reads them.
    const tagged = await store.tagConversations();
    if (tagged > 0) ctx.log.info('chat conversations moved to tags at rest', { conversations: tagged });
    const connector = new JustInTimeConnect(ctx);
    const chat = new ChatService(ctx, store, connector);
    ctx.subscriptions.push(registerChatEvents(ctx, chat), registerChatRoutes(ctx, chat, store), registerAutoConnect(ctx, connector));
    // Messages a crash left between storing and queueing are queued again (delivery bookkeeping).
    chat.resendOrphans().catch((error: Error) => ctx.log.warn('orphaned messages not queued again', { error: error.message }));
  },
});
