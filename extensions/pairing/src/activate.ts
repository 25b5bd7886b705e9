/** The pairing extension: pair by code or invite, and manage the persona's friends. */
import { defineExtension } from '@kith/sdk';
import { registerFriendRoutes } from './friend-routes.js';
import { FriendRemoval } from './friend-removal.js';
import { registerPairingRoutes } from './pairing-routes.js';
import { PairingService } from './pairing-service.js';
import { PAIRING_MIGRATIONS, RemovalStore } from './removal-store.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(PAIRING_MIGRATIONS);
    const removals = new RemovalStore(ctx.storage);
    const removal = new FriendRemoval(ctx, removals);
    ctx.subscriptions.push(
      removal.register(),
      registerPairingRoutes(ctx, new PairingService(ctx)),
      registerFriendRoutes(ctx, removal, removals),
    );
  },
});
