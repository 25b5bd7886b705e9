import { KithError, type ExtensionPermission, type Friends } from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';

const MANAGE: ExtensionPermission = 'friends.manage';

/**
 * `ctx.friends` as an extension may use it: reading is open to all, while `save`, `update` and
 * `remove` change whom the persona trusts (a friend added by an extension could open sessions and
 * chat as "verified") and need the manifest permission `friends.manage`, which the user granted
 * when turning a third-party extension on (enabled-state.ts).
 */
export function permittedFriends(friends: Friends, scope: ExtensionScope): Friends {
  if (scope.manifest.permissions?.includes(MANAGE)) return friends;
  const refuse = (member: string) => async (): Promise<never> => {
    throw new KithError(
      'KITH_ERR_FORBIDDEN',
      `ctx.friends.${member} needs the permission "${MANAGE}": list it in the manifest's "permissions" (the user is asked before the extension runs)`,
      { extension: scope.extension.id, permission: MANAGE },
    );
  };
  return {
    list: () => friends.list(),
    get: (peer) => friends.get(peer),
    ownX25519PublicKeyFor: (peer) => friends.ownX25519PublicKeyFor(peer),
    onDidChange: friends.onDidChange,
    save: refuse('save'),
    update: refuse('update'),
    remove: refuse('remove'),
  };
}
