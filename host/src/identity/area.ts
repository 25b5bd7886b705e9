import type { HostArea, Kernel } from '../core/area.js';
import type { PersonaGate } from '../core/persona-gate.js';
import { PersonaRegistry } from './persona-registry.js';
import { FriendTable, activeFriends, type FriendStore } from './friend-store.js';
import { mountIdentityRoutes } from './identity-routes.js';
import { identityProviders } from './context-providers.js';
import { UiProfiles } from './ui-profiles.js';
import { mountUiProfileRoutes } from './ui-profile-routes.js';
import type { VaultKdfParams } from './vault.js';

/** Identity & storage: personas, the vault, lock/unlock, friends, scoped storage, sealing. */
export interface IdentityArea extends HostArea {
  /** Who is unlocked and active (the lock gate, extensions, bus and net watch it). */
  readonly gate: PersonaGate;
  /** Create / restore / unlock / select / lock personas from host code and tests. */
  readonly registry: PersonaRegistry;
  /** The active persona's friends (`list/get/save/update/remove/onDidChange`); `KITH_ERR_LOCKED` while locked. */
  readonly friends: FriendStore;
  /** Every persona's friends table (events carry the persona). */
  readonly friendTable: FriendTable;
  /**
   * Called once the gateway exists (the gate must exist before it): mount routes here.
   * `kernel.gateway` passed to `createIdentityArea` is not usable yet.
   */
  bind?(kernel: Kernel): void;
}

/** Test-only knobs (the host never passes them). */
export interface IdentityAreaOptions {
  /** Cheaper argon2id for tests that create many personas; files still record what was used. */
  readonly vaultKdf?: VaultKdfParams;
}

/**
 * Build the identity area. The gate works at once (locked); routes are mounted by `bind`, once
 * the gateway exists. `stop` locks every persona, zeroing its keys.
 */
export function createIdentityArea(
  kernel: Pick<Kernel, 'config' | 'log' | 'database'>,
  options: IdentityAreaOptions = {},
): IdentityArea {
  const registry = new PersonaRegistry(kernel.config.dataDir, options.vaultKdf ? { kdf: options.vaultKdf } : {});
  const friendTable = new FriendTable(kernel.database.db);
  let activeChanges: { dispose(): void } | undefined;
  return {
    name: 'identity',
    gate: registry,
    registry,
    friends: activeFriends(friendTable, registry),
    friendTable,
    providers: identityProviders(kernel.database, friendTable),
    bind(full: Kernel) {
      mountIdentityRoutes(full.gateway.publicApi, registry, () => full.ui.disconnectAll());
      mountUiProfileRoutes(full.gateway.protectedApi, new UiProfiles(kernel.config.dataDir));
      // Every page hears that the active persona changed (a switch made in another tab or by an
      // API client), re-reads who is active and re-renders its views for that persona.
      activeChanges = registry.onDidChangeActive((persona) => full.ui.emit('identity:changed', { locked: persona === undefined }));
    },
    async stop() {
      activeChanges?.dispose();
      registry.dispose();
      friendTable.dispose();
    },
  };
}
