import type { Disposable, ExtensionContext } from '@kith/sdk';
import type { HostLogger } from '../../log.js';

/**
 * Copies the extension host keeps of what synchronous members read (like VS Code's configuration
 * copy in its extension host): `sessions.all`/`get` and `friends.ownX25519PublicKeyFor` for the
 * saved friends. The host pushes a fresh copy whenever the source changes; a read between the
 * change and the push sees the previous copy (docs/extensions.md, Trust model).
 */
export function mirrorSnapshots(context: ExtensionContext, post: (message: unknown) => void, log: HostLogger): Disposable[] {
  const sessions = () => post({ t: 'snapshot', name: 'sessions', value: { value: structuredClone(context.sessions.all) } });
  const ownKeys = () =>
    ownKeysOf(context)
      .then((value) => post({ t: 'snapshot', name: 'ownKeys', value: { value } }))
      .catch((error) => log.warn({ err: error, ext: context.extension.id }, 'could not refresh the friends\' key copy of an extension host'));
  const subscriptions: Disposable[] = [];
  // A member this host does not provide (a test host) has nothing to follow.
  const follow = (subscribe: () => Disposable) => {
    try {
      subscriptions.push(subscribe());
    } catch {
      // not available here: its snapshot carries the error instead
    }
  };
  follow(() => context.sessions.onDidOpen(sessions));
  follow(() => context.sessions.onDidClose(sessions));
  follow(() => context.sessions.onDidChangeCapabilities(sessions));
  follow(() => context.friends.onDidChange(() => void ownKeys()));
  return subscriptions;
}

/** This persona's own X25519 public key towards each saved friend (public keys only). */
export async function ownKeysOf(context: ExtensionContext): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const friend of await context.friends.list()) keys[friend.peer] = context.friends.ownX25519PublicKeyFor(friend.peer);
  return keys;
}

/**
 * What of the other extensions' services reaches an extension in its own process: a copy, taken
 * when it starts, of each service that is plain data (structured-clonable: no functions, no class
 * instances with behaviour). A service holding functions crosses as the reason it cannot.
 */
export function plainServices(context: ExtensionContext, ids: readonly string[]): Record<string, { value?: unknown; error?: string }> {
  const copies: Record<string, { value?: unknown; error?: string }> = {};
  for (const id of ids) {
    try {
      copies[id] = { value: structuredClone(context.services.get(id)) };
    } catch {
      copies[id] = { error: `The service "${id}" holds functions; only plain data crosses to an extension's own process` };
    }
  }
  return copies;
}
