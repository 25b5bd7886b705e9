/** The pairing extension: pair by code or invite, and manage the persona's friends. */
import { Disposable, defineExtension } from '@kith/sdk';
import { registerFriendRoutes } from './friend-routes.js';
import { FriendRemoval } from './friend-removal.js';
import { registerPairingRoutes } from './pairing-routes.js';
import { PairingService } from './pairing-service.js';
import { PAIRING_MIGRATIONS, RemovalStore } from './removal-store.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(PAIRING_MIGRATIONS);
    const removals = new RemovalStore(ctx.storage, ctx.sealing);
    await removals.convert();
    const removal = new FriendRemoval(ctx, removals);
    const pairing = new PairingService(ctx);
    ctx.subscriptions.push(
      new Disposable(() => pairing.dispose()),
      removal.register(),
      registerPairingRoutes(ctx, pairing),
      registerFriendRoutes(ctx, removal, removals),
    );
  },
});
