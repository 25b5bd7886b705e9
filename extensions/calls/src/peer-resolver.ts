/**
 * Turns the `:peer_id` / `:pubkey` of a route into a friend's master key: a 64-hex master key as
 * is, or an anonymous peer id matched against live sessions, then friends' last-seen peer ids.
 */
import { KithError, type ExtensionContext, type PeerKey } from '@kith/sdk';

export async function resolvePeer(ctx: ExtensionContext, id: string): Promise<PeerKey> {
  if (/^[0-9a-fA-F]{64}$/.test(id)) return id.toLowerCase();
  if (id.length === 0 || id.length > 128) throw new KithError('KITH_ERR_BAD_REQUEST', 'The peer id is malformed');
  const session = ctx.sessions.all.find((s) => s.peerId === id);
  if (session) return session.peer;
  const friend = (await ctx.friends.list()).find((f) => f.lastPeerId === id);
  if (friend) return friend.peer;
  throw new KithError('KITH_ERR_NOT_FOUND', `No friend or session with peer id ${id}`);
}
