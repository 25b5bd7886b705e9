import { KithError, defineExtension } from '@kith/sdk';

/** A peer key: the hex of a persona's master public key. */
const PEER_KEY = /^[0-9a-f]{64}$/;

/**
 * `__ID__`: `POST /api/__ID__/ping/:peer` sends the kind `__ID__.ping` to a friend; the friend's
 * handler tells its page (`ctx.events.emit('ping', ...)`, which the page receives as `__ID__:ping`).
 */
export default defineExtension({
  activate(ctx) {
    ctx.subscriptions.push(
      ctx.kinds.register('__ID__.ping', (event) => {
        const text = typeof event.header.text === 'string' ? event.header.text.slice(0, 200) : '';
        ctx.events.emit('ping', { from: event.peer, text });
      }),
      ctx.routes.post('/__ID__/ping/:peer', async (request, response) => {
        const peer = request.params.peer ?? '';
        if (!PEER_KEY.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'peer must be a 64-character hex key');
        const body = (request.body ?? {}) as { text?: unknown };
        const text = typeof body.text === 'string' ? body.text : 'ping';
        // Reliable by default: queued until the friend is online, retried until acknowledged.
        const receipt = await ctx.sessions.send(peer, ctx.streams.forFriend(peer, '__ID__'), '__ID__.ping', { text });
        response.status(202);
        return { eventId: receipt.eventId, queued: receipt.queued };
      }),
    );
  },
});
