/** `GET /friends`, `POST /friends/:id {label?, verified?, auto_connect?}`, `DELETE /friends/:id {propagate?}`. */
import { Disposable, KithError, MAX_LABEL_CHARS, showableLabel, type ExtensionContext } from '@kith/sdk';
import { friendJson } from './friend-json.js';
import { findFriend } from './friend-lookup.js';
import type { FriendRemoval } from './friend-removal.js';
import type { RemovalStore } from './removal-store.js';
import { bodyOf, optionalBoolean } from './request-fields.js';

export function registerFriendRoutes(ctx: ExtensionContext, removal: FriendRemoval, removals: RemovalStore): Disposable {
  return Disposable.from(
    ctx.routes.get('/friends', async () => {
      const [friends, removing] = await Promise.all([ctx.friends.list(), removals.peers()]);
      return friends.map((friend) => friendJson(friend, removing.has(friend.peer)));
    }),

    ctx.routes.post('/friends/:id', async (req) => {
      const friend = await findFriend(ctx.friends, String(req.params.id));
      const body = bodyOf(req.body);
      const changes = {
        label: body.label === undefined || body.label === null ? undefined : typedLabel(body.label),
        verified: optionalBoolean(body, 'verified'),
        autoConnect: optionalBoolean(body, 'auto_connect'),
      };
      if (changes.label === undefined && changes.verified === undefined && changes.autoConnect === undefined) {
        throw new KithError('KITH_ERR_BAD_REQUEST', 'Nothing to change: send label, verified or auto_connect');
      }
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      return friendJson(await ctx.friends.update(friend.peer, defined));
    }),

    ctx.routes.delete('/friends/:id', async (req) => {
      const friend = await findFriend(ctx.friends, String(req.params.id));
      const body = bodyOf(req.body);
      const propagate = optionalBoolean(body, 'propagate') ?? (req.query.propagate === '1' || req.query.propagate === 'true');
      return removal.remove(friend.peer, propagate);
    }),
  );
}

/** A new name for a friend: said what is wrong with it (an empty one is not "nothing to change"). */
function typedLabel(value: unknown): string {
  const label = showableLabel(value);
  if (label === undefined) throw new KithError('KITH_ERR_BAD_REQUEST', `label must be 1 to ${MAX_LABEL_CHARS} printable characters`);
  return label;
}
