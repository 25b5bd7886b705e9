import type { EventHeader, ExtensionContext, ExtensionModule, InboundEvent, KindRegistry, PeerKey, SendOptions, Sessions, StreamId } from '../index.js';

/** One event an extension sends through `ctx.sessions.send`. */
export interface OutgoingEvent {
  readonly peer: PeerKey;
  readonly stream: StreamId;
  readonly kind: string;
  readonly header: EventHeader;
  readonly payload?: Uint8Array | undefined;
  readonly options?: SendOptions | undefined;
}

/** What {@link tamperedExtension} does to an extension's traffic. */
export interface SendTamper {
  /**
   * Called for each event the extension sends; returns what goes to the bus instead, in order:
   * `[event]` unchanged, a changed copy, or extra events around it (a forgery, a replay). At least
   * one: the extension gets the receipt of the last.
   */
  send?(event: OutgoingEvent): readonly OutgoingEvent[];
  /** Sees each inbound event of the extension's kinds before its handler does (to capture, to reflect later). */
  receive?(event: InboundEvent): void;
}

/**
 * A hostile or broken peer made of an extension's real code: `extension` runs unchanged, but every
 * event it sends passes through `tamper` on its way to the bus, so a test can make a real sender
 * forge, replay, reflect or corrupt exactly what the wire would carry, against a real receiver,
 * without a test hook in the shipped code. The module it returns is the entry a test host loads
 * instead of the real one: `TestHostOptions.builtinEntries` for a built-in, or the `main` of an
 * installed test copy for a third-party extension. The tamperer runs where the extension runs:
 * in the host process for a built-in, in the extension's own process for a third-party one.
 */
export function tamperedExtension(extension: ExtensionModule, tamper: SendTamper): ExtensionModule {
  return {
    ...extension,
    activate(ctx: ExtensionContext) {
      const sessions = ctx.sessions;
      const kinds = ctx.kinds;
      const send: Sessions['send'] = async (peer, stream, kind, header, payload, options) => {
        const out = tamper.send ? tamper.send({ peer, stream, kind, header, payload, options }) : [{ peer, stream, kind, header, payload, options }];
        if (out.length === 0) throw new RangeError('a send tamper must return at least one event');
        let receipt: Awaited<ReturnType<Sessions['send']>> | undefined;
        for (const e of out) receipt = await sessions.send(e.peer, e.stream, e.kind, e.header, e.payload, e.options);
        return receipt!;
      };
      const register: KindRegistry['register'] = (kind, handler, options) =>
        kinds.register(kind, (event) => {
          tamper.receive?.(event);
          return handler(event);
        }, options);
      return extension.activate(overlay(ctx, { sessions: overlay(sessions, { send }), kinds: overlay(kinds, { register }) }));
    },
  };
}

/**
 * A view of `target` in which `overrides` replace some members; every other member is read from
 * `target` when used (the context builds its members lazily and may revoke them). A proxy over a
 * fresh object, because the context itself is frozen.
 */
function overlay<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_, key) => key in target,
  });
}
