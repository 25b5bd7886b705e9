/** Chat's HTTP routes (below `/api`), as in the reference API table plus conversations and typing. */
import { Disposable, KithError, type ExtensionContext, type RouteHandler, type RouteRequest } from '@kith/sdk';
import { isMessageId } from './chat-codec.js';
import { messageJson, type Conversation } from './chat-message.js';
import type { ChatService } from './chat-service.js';
import type { ChatStore } from './chat-store.js';
import { MAX_PAGE } from './chat-store.js';
import { resolvePeer } from './peer-resolver.js';
import { bodyOf, flag, messageBody, queryInteger } from './request-fields.js';

const DEFAULT_PAGE = 50;
const MAX_SEARCH_CHARS = 200;

function messageId(value: unknown): string {
  if (!isMessageId(value)) throw new KithError('KITH_ERR_BAD_REQUEST', 'msg_id must be 32 lowercase hex characters');
  return value;
}

export function registerChatRoutes(ctx: ExtensionContext, chat: ChatService, store: ChatStore): Disposable {
  const peerOf = (param: string) => async (req: RouteRequest): Promise<Conversation> =>
    resolvePeer(ctx, String(req.params[param]));
  const self = async (): Promise<Conversation> => 'self';

  /** GET history: `?before=<cursor>&limit=`, `?after=<cursor>` (catch up), or `?q=` (search). */
  const history = (conversationOf: (req: RouteRequest) => Promise<Conversation>): RouteHandler => async (req) => {
    const conversation = await conversationOf(req);
    const limit = queryInteger(req.query.limit, 'limit', MAX_PAGE, 1) ?? DEFAULT_PAGE;
    const q = req.query.q;
    if (typeof q === 'string' && q.length > 0) {
      if (q.length > MAX_SEARCH_CHARS) throw new KithError('KITH_ERR_BAD_REQUEST', `q must be at most ${MAX_SEARCH_CHARS} characters`);
      return { messages: (await store.search(conversation, q, limit)).map(messageJson), next_cursor: null };
    }
    const after = queryInteger(req.query.after, 'after', Number.MAX_SAFE_INTEGER);
    if (after !== undefined) return { messages: (await store.since(conversation, after, limit)).map(messageJson), next_cursor: null };
    const page = await store.page(conversation, { before: queryInteger(req.query.before, 'before', Number.MAX_SAFE_INTEGER), limit });
    return { messages: page.messages.map(messageJson), next_cursor: page.nextCursor };
  };
  const send = (conversationOf: (req: RouteRequest) => Promise<Conversation>): RouteHandler => async (req, res) => {
    const conversation = await conversationOf(req);
    const body = bodyOf(req.body);
    const message = await chat.send(conversation, messageBody(body), {
      ...(body.id !== undefined ? { id: messageId(body.id) } : {}),
      ...(body.reply_to !== undefined && body.reply_to !== null ? { replyTo: messageId(body.reply_to) } : {}),
    });
    res.status(201);
    return messageJson(message);
  };
  const read = (conversationOf: (req: RouteRequest) => Promise<Conversation>): RouteHandler => async (req) =>
    messageJson(await chat.markRead(await conversationOf(req), messageId(req.params.msg_id)));
  const clear = (conversationOf: (req: RouteRequest) => Promise<Conversation>): RouteHandler => async (req) => ({
    removed: await chat.clear(await conversationOf(req), flag(req.query, bodyOf(req.body), 'mutual')),
  });

  return Disposable.from(
    ctx.routes.get('/conversations', async () => {
      const friends = new Map((await ctx.friends.list()).map((f) => [f.peer, f]));
      return (await store.conversations()).map((c) => ({
        peer: c.conversation,
        label: c.conversation === 'self' ? 'Notes to self' : (friends.get(c.conversation)?.label ?? null),
        unread: c.unread,
        last: messageJson(c.last),
        online: c.conversation !== 'self' && ctx.sessions.get(c.conversation) !== undefined,
      }));
    }),

    ctx.routes.get('/sessions/:peer_id/messages', history(peerOf('peer_id'))),
    ctx.routes.post('/sessions/:peer_id/messages', send(peerOf('peer_id'))),
    ctx.routes.post('/sessions/:peer_id/messages/:msg_id/read', read(peerOf('peer_id'))),
    ctx.routes.post('/sessions/:peer_id/typing', async (req) => {
      const typing = bodyOf(req.body).typing;
      if (typeof typing !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', 'typing must be true or false');
      await chat.typing(await resolvePeer(ctx, String(req.params.peer_id)), typing);
      return undefined;
    }),

    ctx.routes.get('/friends/:pubkey/messages', history(peerOf('pubkey'))),
    ctx.routes.delete('/friends/:pubkey/messages', clear(peerOf('pubkey'))),
    ctx.routes.post('/friends/:pubkey/messages/:msg_id/read', read(peerOf('pubkey'))),

    ctx.routes.get('/self/messages', history(self)),
    ctx.routes.post('/self/messages', send(self)),
    ctx.routes.delete('/self/messages', clear(self)),
    ctx.routes.post('/self/messages/:msg_id/read', read(self)),

    ctx.routes.post('/chat_messages/:msg_id/retry', async (req) => messageJson(await chat.retry(messageId(req.params.msg_id)))),
    ctx.routes.post('/chat_messages/:msg_id/reaction', async (req) => {
      const emoji = bodyOf(req.body).emoji;
      if (typeof emoji !== 'string') throw new KithError('KITH_ERR_BAD_REQUEST', 'emoji must be a string');
      return messageJson(await chat.react(messageId(req.params.msg_id), emoji));
    }, { limit: 1024 }),
    ctx.routes.post('/chat_messages/:msg_id', async (req) =>
      messageJson(await chat.edit(messageId(req.params.msg_id), messageBody(bodyOf(req.body))))),
    ctx.routes.delete('/chat_messages/:msg_id', async (req) => {
      await chat.delete(messageId(req.params.msg_id), flag(req.query, bodyOf(req.body), 'mutual'));
      return undefined;
    }),
  );
}
