import { KithError, type Event, type KindRegistry, type Sessions, type Streams } from '@kith/sdk';
import type { ContextProviders, ExtensionScope } from '../core/area.js';
import type { SessionLinks } from '../core/session-link.js';
import type { BusEngine } from './bus-engine.js';
import { friendStreamId, randomStreamId } from './stream-ids.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * `ctx.kinds`, `ctx.sessions` and `ctx.streams` for one extension: thin views of the engine that
 * attribute every call to the extension and tie every listener to its lifetime.
 */
export function busProviders(engine: BusEngine, links: () => SessionLinks | undefined): ContextProviders {
  const known = new WeakSet<ExtensionScope>();
  const enlist = (scope: ExtensionScope): void => {
    if (known.has(scope)) return;
    known.add(scope);
    scope.track(engine.addExtension(scope));
  };
  return {
    kinds(scope): KindRegistry {
      enlist(scope);
      return { register: (kind, handler, options) => scope.track(engine.register(scope, kind, handler, options)) };
    },
    sessions(scope): Sessions {
      enlist(scope);
      return createSessions(engine, scope, links);
    },
    streams(scope): Streams {
      enlist(scope);
      return {
        random: randomStreamId,
        forFriend: (peer, purpose) => friendStreamId(scope.persona.info.masterPublicKey, peer, scope.extension.id, purpose),
      };
    },
  };
}

function scoped<T>(scope: ExtensionScope, event: Event<T>): Event<T> {
  return (listener, thisArgs, disposables) => {
    const subscription = scope.track(event(listener, thisArgs));
    disposables?.push(subscription);
    return subscription;
  };
}

function createSessions(engine: BusEngine, scope: ExtensionScope, links: () => SessionLinks | undefined): Sessions {
  const reports = engine.reportsFor(scope.extension.id);
  return {
    get all() {
      return engine.sessions;
    },
    get: (peer) => engine.session(peer),
    onDidOpen: scoped(scope, engine.onDidOpen),
    onDidClose: scoped(scope, engine.onDidClose),
    onDidChangeCapabilities: scoped(scope, engine.onDidChangeCapabilities),
    send: (peer, stream, kind, header, payload, options) => engine.send(scope, peer, stream, kind, header, payload, options),
    onDidDeliver: scoped(scope, reports.delivered),
    onDidFail: scoped(scope, reports.failed),
    onDidNack: scoped(scope, reports.nacked),
    async connect(peer, options = {}) {
      const live = engine.session(peer);
      if (live) return live;
      const net = links();
      if (!net) throw new KithError('KITH_ERR_NOT_AVAILABLE', 'Sessions are not available in this build of the host yet');
      const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const started = Date.now();
      await net.connect(peer, { candidates: options.candidates, timeoutMs });
      return engine.whenReady(peer, Math.max(1000, timeoutMs - (Date.now() - started)));
    },
    async close(peer) {
      engine.channel(peer)?.link.close('closed-locally');
    },
  };
}
