import path from 'node:path';
import type { ContextProviders, HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';
import { KithError, SDK_API_VERSION, type ExtensionPermission } from '@kith/sdk';
import { isSingleExecutable } from '../config.js';
import { buildCatalog, routesUnmountable } from './catalog.js';
import { ServiceRegistry } from './context/service-registry.js';
import { fromStaticList, scanFolder, type StaticExtension } from './discovery.js';
import { EnabledState } from './enabled-state.js';
import { DEFAULT_ACTIVATE_TIMEOUT_MS, ExtensionManager } from './extension-manager.js';
import { installCrashGuard } from './isolation/crash-guard.js';
import type { ProcessLimits } from './isolation/extension-process.js';
import type { RestartLimits } from './isolation/restart-policy.js';
import { FaultStore } from './isolation/fault-store.js';
import { EXTENSIONS_API_ROUTES, mountExtensionRoutes } from './extensions-routes.js';
import { SOCKET_ROUTES } from '../gateway/plain-websocket.js';
import { RouteTable } from './route-table.js';
import { mountedRoutes } from './route-rules.js';
import { SettingsStore } from './settings-store.js';
import { mountUiModules } from './ui-module-route.js';

/** The permission that lets an extension's views use the microphone, camera and screen capture. */
const MEDIA_CAPTURE: ExtensionPermission = 'media.capture';

/** Where built-in extensions come from; the packaged executable passes a static list. */
export interface ExtensionSources {
  /** Folder scanned for built-in extensions (`extensions/*`), when not packaged. */
  readonly builtinDir?: string;
  /** Built-ins known statically (the single executable bundles them); listed before `builtinDir`'s. */
  readonly builtins?: ReadonlyArray<StaticExtension>;
  /** The activation deadline (default: `KITH_ACTIVATE_TIMEOUT_MS`, else 5 s). */
  readonly activateTimeoutMs?: number;
  /**
   * Run third-party extensions in their own process (the default), or in the host's
   * (`KITH_EXTENSION_ISOLATION=in-process`, for debugging an extension only). Built-ins always run
   * in-process (docs/extensions.md, Trust model).
   */
  readonly isolation?: 'process' | 'in-process';
  readonly processLimits?: ProcessLimits;
  /** When a crashed extension host is started again (default 1 s, 2 s, 4 s; the 4th crash in 5 min ends it). */
  readonly restartLimits?: RestartLimits;
  /**
   * Built-in id → a module to load instead of that built-in's `main` (its manifest, kinds and
   * routes stay). For test fixture programs that wrap a built-in's activate, e.g. to play a
   * hostile peer with the real sender (host/test/support/kith-with-entries.ts); the `kith`
   * program never sets it.
   */
  readonly builtinEntries?: ReadonlyMap<string, () => Promise<unknown>>;
}

/**
 * `KITH_EXTENSION_ISOLATION=in-process` from a checkout. The single executable cannot import an
 * extension's module into its own process (its embedded script has no dynamic import), so there
 * it says so once and keeps each extension in its own process, where they run.
 */
function isolationFromEnv(log: Kernel['log']): 'process' | 'in-process' {
  if (process.env.KITH_EXTENSION_ISOLATION !== 'in-process') return 'process';
  if (!isSingleExecutable()) return 'in-process';
  log.warn('KITH_EXTENSION_ISOLATION=in-process works only from a checkout (node --import tsx host/src/main.ts); the executable runs each third-party extension in its own process');
  return 'process';
}

/** `KITH_ACTIVATE_TIMEOUT_MS`: a whole number of ms from 100 to 600 000, else the default. */
function activateTimeoutFromEnv(): number {
  const raw = process.env.KITH_ACTIVATE_TIMEOUT_MS;
  const ms = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  return ms >= 100 && ms <= 600_000 ? ms : DEFAULT_ACTIVATE_TIMEOUT_MS;
}

/** The extension loader and manager: /api/extensions, per-persona activation, contexts. */
export interface ExtensionsArea extends HostArea {
  /** Runs the active persona's extensions; tests read statuses and runs from it. */
  readonly manager: ExtensionManager;
  /** The routes extensions registered (`METHOD /path` keys). */
  readonly routes: RouteTable;
  readonly services: ServiceRegistry;
}

/**
 * Discover built-in (`extensions/*` or the static list) and user-installed
 * (`KITH_DATA/extensions/*`) extensions, validate them, mount their declared routes, and run the
 * enabled ones whenever the persona gate reports an unlocked persona.
 */
export function createExtensionsArea(
  kernel: Kernel,
  identity: Pick<IdentityArea, 'gate'>,
  providers: ContextProviders,
  sources: ExtensionSources,
): ExtensionsArea {
  const found = [
    ...fromStaticList(sources.builtins ?? []),
    ...(sources.builtinDir ? scanFolder(sources.builtinDir, true) : []),
    ...scanFolder(path.join(kernel.config.dataDir, 'extensions'), false),
  ];
  const hostRoutes = [...mountedRoutes(kernel.gateway.publicApi), ...mountedRoutes(kernel.gateway.protectedApi), ...EXTENSIONS_API_ROUTES, ...SOCKET_ROUTES];
  const records = buildCatalog(found, SDK_API_VERSION, hostRoutes).map((record) => {
    const entry = record.builtin ? sources.builtinEntries?.get(record.id) : undefined;
    if (!entry) return record;
    let loaded: Promise<unknown> | undefined;
    return { ...record, load: () => (loaded ??= entry()) };
  });
  const settings = new SettingsStore(kernel.database.db);
  // Every page shows the new value, whoever changed it (Settings, an extension's own view, another tab).
  settings.onDidChange((change) => kernel.ui.emit('extensions:changed', { persona: change.persona, extension: change.extensionId, setting: change.id }));
  const services = new ServiceRegistry();
  let manager: ExtensionManager | undefined;
  // Locked is checked before any extension route runs; here it names a lock that came while one ran.
  const routes = new RouteTable(async (id) => (identity.gate.active ? manager!.routeBlock(id) : new KithError('KITH_ERR_LOCKED', 'Kith was locked while this request ran; unlock and try again')));
  // A duplicate's or a refused pattern would shadow or clash with the owner's; everyone else's stay mounted so
  // that an off or faulted extension's routes answer 404 / 503 naming it.
  for (const record of records) if (!routesUnmountable(record)) routes.declare(record);
  const isolation = sources.isolation ?? isolationFromEnv(kernel.log);
  manager = new ExtensionManager({
    kernel,
    gate: identity.gate,
    records,
    enabledState: new EnabledState(kernel.database.db),
    faults: new FaultStore(kernel.database.db),
    contextDeps: { kernel, providers, routes, services, settings },
    activateTimeoutMs: sources.activateTimeoutMs ?? activateTimeoutFromEnv(),
    isolate: (record) => !record.builtin && isolation === 'process',
    ...(sources.processLimits ? { processLimits: sources.processLimits } : {}),
    ...(sources.restartLimits ? { restartLimits: sources.restartLimits } : {}),
  });
  let crashGuard: { dispose(): void } | undefined;

  const api = kernel.gateway.protectedApi;
  mountExtensionRoutes(api, manager, settings);
  api.use(routes.router);
  kernel.gateway.allowLargeBodies((method, url) => routes.streamLimit(method, url));
  mountUiModules(kernel.gateway.app, manager);
  // A view may capture (microphone, camera, screen) only for an extension that runs, so was turned on with the permission granted.
  const byId = new Map(records.map((r) => [r.id, r]));
  kernel.gateway.setFrameDevicePolicy((id) => manager!.run(id) !== undefined && (byId.get(id)?.manifest?.permissions ?? []).includes(MEDIA_CAPTURE));
  for (const r of records) {
    if (r.installError) kernel.log.warn({ ext: r.id, root: r.root, error: r.installError.message }, 'extension cannot run');
    for (const warning of r.warnings ?? []) kernel.log.warn({ ext: r.id, warning }, 'extension manifest warning');
  }

  return {
    name: 'extensions',
    manager,
    routes,
    services,
    start: () => {
      crashGuard ??= installCrashGuard(kernel.log);
      return manager.start();
    },
    stop: async () => {
      await manager.stop();
      crashGuard?.dispose();
      crashGuard = undefined;
    },
  };
}
