/**
 * Per-friend auto-connect: friends with `autoConnect` on are reached without waiting for a
 * message: at once when auto-connect is switched on (or the friend changes), every half minute,
 * and shortly after a session with one of them drops (not when either side closed it on purpose).
 * Attempts go through the same connector as messages, so they never pile up. Friends with
 * auto-connect off are only connected when a message waits for them.
 */
import { Disposable, type ExtensionContext } from '@kith/sdk';
import type { JustInTimeConnect } from './just-in-time-connect.js';

const SWEEP_EVERY_MS = 30_000;
const RECONNECT_AFTER_MS = 1_000;
/** Close reasons after which reconnecting would go against someone's intent. */
const DELIBERATE = new Set(['closed-locally', 'closed-by-peer', 'locked', 'shutdown']);

export function registerAutoConnect(ctx: ExtensionContext, connector: JustInTimeConnect): Disposable {
  const sweep = async () => {
    for (const friend of await ctx.friends.list()) {
      if (friend.autoConnect && !ctx.sessions.get(friend.peer)) connector.connectSoon(friend.peer);
    }
  };
  return Disposable.from(
    ctx.timers.setInterval(() => void sweep().catch(() => undefined), SWEEP_EVERY_MS),
    ctx.sessions.onDidClose(({ session, reason }) => {
      if (DELIBERATE.has(reason)) return;
      ctx.timers.setTimeout(async () => {
        const friend = await ctx.friends.get(session.peer).catch(() => undefined);
        if (friend?.autoConnect) connector.connectSoon(friend.peer);
      }, RECONNECT_AFTER_MS);
    }),
    ctx.friends.onDidChange(({ peer, change }) => {
      if (change !== 'updated') return;
      ctx.friends
        .get(peer)
        .then((friend) => {
          if (friend?.autoConnect) connector.connectNow(peer);
        })
        .catch(() => undefined);
    }),
  );
}
