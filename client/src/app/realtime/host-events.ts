/**
 * Typed events the host pushes over socket.io (`/api/ws`). Host areas use plain names
 * (`session:open`); an extension's own events arrive as `<ext-id>:<name>`. Payloads are what the
 * host sends; fields the shell does not read are left open.
 */
export interface HostEvents {
  /** A live session opened with a peer. */
  'session:open': { readonly peer?: string; readonly peerId?: string; readonly [key: string]: unknown };
  /** A live session closed. */
  'session:close': { readonly peer?: string; readonly peerId?: string; readonly reason?: string; readonly [key: string]: unknown };
  /** The set of running extensions or their state changed (on/off, faulted). */
  'extensions:changed': Readonly<Record<string, unknown>> | undefined;
  /** A persona was unlocked, switched or locked. */
  'identity:changed': Readonly<Record<string, unknown>> | undefined;
}

export type HostEventName = keyof HostEvents;
