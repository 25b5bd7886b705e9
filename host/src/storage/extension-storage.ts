import type { ExtensionStorage } from '@kith/sdk';
import { createChannelStorage } from '@kith/sdk/storage';
import type { Database } from './database.js';
import { openStorageChannel } from './host-storage-channel.js';

export { extensionTablePrefix } from './host-storage-channel.js';

/**
 * The storage an extension gets for one persona: a kysely handle that sees only its own tables
 * (`ext_<id>__<name>`) and only this persona's rows, and `migrate`, which runs the extension's
 * migrations once per extension (bookkeeping in `kith_migrations_ext_<id>`). Tables are shared by
 * all personas; the `persona` column, added to every table by the migration rewriting, keeps
 * their rows apart. The handle is the SDK's: it sends kysely's query trees, as plain data,
 * through the channel (host-storage-channel.ts), which validates, scopes, compiles and runs them
 * here; the same channel can run over IPC.
 */
export function createExtensionStorage(database: Database, extensionId: string, persona: string): ExtensionStorage {
  return createChannelStorage(openStorageChannel(database, extensionId, persona));
}
