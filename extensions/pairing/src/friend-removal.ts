/**
 * Removing a friend, optionally on both sides: a reliable `friend.removed` event waits in the
 * bus's queue until the friend is next online; once their host has persisted it (it removes us),
 * we remove them too. Receiving one removes the sender from our friends.
 */
import { Disposable, type ExtensionContext, type PeerKey } from '@kith/sdk';
import type { RemovalStore } from './removal-store.js';

/** The per-friendship stream friendship events travel on. */
export const FRIENDSHIP_STREAM = 'friendship';

export class FriendRemoval {
  constructor(
    private readonly ctx: ExtensionContext,
    private readonly store: RemovalStore,
  ) {}

  /** Wire the kind handler and the delivery reports. */
  register(): Disposable {
    const { ctx } = this;
    return Disposable.from(
      ctx.kinds.register('friend.removed', async (event) => {
        const friend = await ctx.friends.get(event.peer);
        if (!friend) return; // already gone: acknowledge, nothing to do
        await ctx.friends.remove(event.peer);
        await this.store.delete(event.peer);
        ctx.log.info('friend removed us; removed them too', { friendId: friend.id });
        ctx.events.emit('friend-removed', { master_pubkey: event.peer, by: 'friend' });
      }),
      ctx.sessions.onDidDeliver((report) => void this.settle(report.eventId, 'delivered')),
      ctx.sessions.onDidFail((report) => void this.settle(report.eventId, report.reason)),
    );
  }

  /** Remove now, or (propagate) tell the friend first and remove once they have it. */
  async remove(peer: PeerKey, propagate: boolean): Promise<{ removing: boolean }> {
    const { ctx } = this;
    if (!propagate) {
      await ctx.friends.remove(peer);
      await this.store.delete(peer);
      ctx.events.emit('friend-removed', { master_pubkey: peer, by: 'me' });
      return { removing: false };
    }
    const stream = ctx.streams.forFriend(peer, FRIENDSHIP_STREAM);
    const receipt = await ctx.sessions.send(peer, stream, 'friend.removed', { at: Date.now() }, undefined, {
      reliable: true,
      priority: 'control',
    });
    await this.store.add({ peer, eventId: receipt.eventId, requestedAt: Date.now() });
    ctx.events.emit('friend-removing', { master_pubkey: peer });
    return { removing: true };
  }

  private async settle(eventId: string, outcome: string): Promise<void> {
    try {
      const pending = await this.store.byEvent(eventId);
      if (!pending) return;
      if (await this.ctx.friends.get(pending.peer)) await this.ctx.friends.remove(pending.peer);
      await this.store.delete(pending.peer);
      this.ctx.log.info('propagated friend removal settled', { outcome });
      this.ctx.events.emit('friend-removed', { master_pubkey: pending.peer, by: 'me' });
    } catch (error) {
      this.ctx.log.warn('could not settle a friend removal', { error: String(error) });
    }
  }
}
