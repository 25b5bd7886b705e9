/**
 * Per-friend auto-connect: friends with `autoConnect` on are reached without waiting for a
 * message. Every half minute, and shortly after a session with one of them drops (not when either
 * side closed it on purpose), a connect attempt starts through the same just-in-time connector,
 * so attempts never pile up. Friends with auto-connect off are only connected when a message
 * waits for them.
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
      if (friend.autoConnect && !ctx.sessions.get(friend.peer)) connector.ensure(friend.peer);
    }
  };
  return Disposable.from(
    ctx.timers.setInterval(() => void sweep().catch(() => undefined), SWEEP_EVERY_MS),
    ctx.sessions.onDidClose(({ session, reason }) => {
      if (DELIBERATE.has(reason)) return;
      ctx.timers.setTimeout(async () => {
        const friend = await ctx.friends.get(session.peer).catch(() => undefined);
        if (friend?.autoConnect) connector.ensure(friend.peer);
      }, RECONNECT_AFTER_MS);
    }),
  );
}
