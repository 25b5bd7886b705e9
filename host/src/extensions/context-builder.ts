import { Disposable, KithError, type ExtensionContext, type KindRegistry } from '@kith/sdk';
import type { ContextProviders, ExtensionScope, Kernel } from '../core/area.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { ExtensionRecord } from './extension-record.js';
import type { ExtensionRun } from './extension-run.js';
import type { RouteTable } from './route-table.js';
import type { SettingsStore } from './settings-store.js';
import { createDiagnostics } from './context/diagnostics.js';
import { createProposedApi } from './context/proposed.js';
import { scopedLogger } from './context/scoped-log.js';
import type { ServiceRegistry } from './context/service-registry.js';
import { createSettings } from './context/settings.js';
import { createTimers } from './context/timers.js';
import { createUiEvents } from './context/ui-events.js';
import { unavailable } from './context/unavailable.js';
import { revocable } from './context/revocable.js';
import { blobsFor } from '../blobs/blobs-provider.js';
import { PageChannelHub } from '../core/page-channel-hub.js';

/** What the context builder draws on. */
export interface ContextDeps {
  readonly kernel: Kernel;
  readonly providers: ContextProviders;
  readonly routes: RouteTable;
  readonly services: ServiceRegistry;
  readonly settings: SettingsStore;
}

type ProvidedKey = keyof ContextProviders;
const PROVIDED: readonly ProvidedKey[] = [
  'kinds', 'sessions', 'streams', 'storage', 'sealing', 'keys', 'friends', 'rendezvous', 'network', 'media',
];

/** Plain facts about the run: the only members still readable after it stops. */
const FACTS: ReadonlySet<string> = new Set(['extension', 'persona', 'subscriptions']);

/**
 * Build the `ExtensionContext` of one run. Members other areas provide are built on first use
 * (an unused member costs nothing); a member nobody provides throws `KITH_ERR_NOT_AVAILABLE`.
 * Every member but the plain facts is wrapped, here and only here, in a revocable proxy
 * (context/revocable.ts): once the run stops, any use throws `KITH_ERR_CONTEXT_REVOKED`.
 */
export async function buildContext(
  deps: ContextDeps,
  record: ExtensionRecord,
  persona: ActivePersona,
  run: ExtensionRun,
  fault: (error: unknown) => void,
): Promise<ExtensionContext> {
  const manifest = record.manifest!;
  const extension = { id: record.id, version: record.version, builtin: record.builtin, root: record.root };
  const log = scopedLogger(deps.kernel.log, record.id, persona.info.slug);
  const scope: ExtensionScope = {
    extension,
    manifest,
    persona,
    log,
    track: (resource) => run.track(resource),
    fault,
  };
  const initialSettings = await deps.settings.values(persona.info.slug, record.id, manifest.contributes?.settings ?? []);

  const context = {
    extension,
    persona: persona.info,
    subscriptions: run.subscriptions,
    log,
    routes: deps.routes.forScope(scope),
    events: createUiEvents(scope, deps.kernel.ui),
    pageChannels: PageChannelHub.of(deps.kernel.gateway.io).forScope(scope),
    settings: createSettings(scope, deps.settings, initialSettings),
    timers: createTimers(scope),
    services: deps.services.forScope(scope),
    diagnostics: createDiagnostics(scope, deps.kernel.diagnostics.traces, deps.providers.diagnostics),
    proposed: createProposedApi(scope),
  } as Record<string, unknown>;

  for (const key of PROVIDED) {
    let value: unknown;
    Object.defineProperty(context, key, {
      enumerable: true,
      get() {
        if (value === undefined) {
          const provide = deps.providers[key] as ((s: ExtensionScope) => unknown) | undefined;
          value = provide ? provide(scope) : unavailable(key);
          if (key === 'kinds' && provide) value = recordKinds(value as KindRegistry, manifest.kinds ?? [], run, scope);
        }
        return value;
      },
    });
  }
  let blobs: unknown;
  Object.defineProperty(context, 'blobs', { enumerable: true, get: () => (blobs ??= blobsFor(scope, deps.kernel.config.dataDir)) });
  return revocableContext(context, run);
}

/** The context the extension sees: each member (however it was added above) revocable, built on first use. */
function revocableContext(context: Record<string, unknown>, run: ExtensionRun): ExtensionContext {
  const revocation = { get revoked() { return run.revoked; }, extensionId: run.extensionId, owner: run };
  const seen = Object.create(null) as Record<string, unknown>;
  const result = {} as Record<string, unknown>;
  for (const key of Object.keys(context)) {
    if (FACTS.has(key)) {
      result[key] = context[key];
      continue;
    }
    Object.defineProperty(result, key, {
      enumerable: true,
      get() {
        if (!(key in seen)) {
          if (run.revoked) return revocable({}, key, revocation);
          seen[key] = revocable(context[key], key, revocation);
        }
        return seen[key];
      },
    });
  }
  return Object.freeze(result) as unknown as ExtensionContext;
}

/**
 * Wrap the bus's kind registry so the host knows which kinds each extension has registered (for
 * /api/extensions) and refuses kinds the manifest does not list before they reach the bus.
 * Duplicates are the bus's call (stream lifecycle kinds may be registered once per purpose).
 */
function recordKinds(inner: KindRegistry, owned: readonly string[], run: ExtensionRun, scope: ExtensionScope): KindRegistry {
  return {
    register(kind: string, handler: Parameters<KindRegistry['register']>[1], ...options: unknown[]) {
      if (!owned.includes(kind)) {
        throw new KithError('KITH_ERR_KIND_NOT_OWNED', `Extension "${scope.extension.id}" does not list kind "${kind}" in its manifest`);
      }
      // Options (e.g. a stream `purpose`) pass through untouched to the bus.
      const registration = (inner.register as (...args: unknown[]) => Disposable)(kind, handler, ...options);
      run.kinds.set(kind, (run.kinds.get(kind) ?? 0) + 1);
      return scope.track(
        new Disposable(() => {
          const left = (run.kinds.get(kind) ?? 1) - 1;
          if (left > 0) run.kinds.set(kind, left);
          else run.kinds.delete(kind);
          registration.dispose();
        }),
      );
    },
  };
}
