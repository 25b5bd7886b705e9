import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { HostConfig } from './config.js';
import { createLogger, type HostLogger } from './log.js';
import { openDatabase, type Database } from './storage/database.js';
import type { Gateway } from './gateway/gateway.js';
import type { ContextProviders, HostArea, Kernel } from './core/area.js';
import { createKernel } from './core/kernel.js';
import { createIdentityArea, type IdentityArea } from './identity/area.js';
import { createPresenceArea, type PresenceArea } from './presence/area.js';
import { createNetArea, type NetArea } from './net/area.js';
import { createBusArea, type BusArea } from './bus/area.js';
import { createMediaArea } from './media/area.js';
import { createExtensionsArea, type ExtensionSources, type ExtensionsArea } from './extensions/area.js';

/** What the composition root needs besides the configuration (tests and the packager pass these). */
export interface HostOptions {
  readonly config: HostConfig;
  readonly log?: HostLogger;
  /** Folder of the built client; omitted → the API only. */
  readonly clientDir?: string;
  /** Where built-in extensions come from. Default: the repository's `extensions/` folder. */
  readonly extensions?: ExtensionSources;
}

/** A started peer-app host. */
export interface RunningHost {
  readonly config: HostConfig;
  readonly log: HostLogger;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly gateway: Gateway;
  /** The per-launch API secret (header `x-kith-secret`); tests use {@link RunningHost.fetch}. */
  readonly launchSecret: string;
  /** `fetch` against this host's API with the launch secret and a correct Host header. */
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  readonly areas: {
    readonly identity: IdentityArea;
    readonly presence: PresenceArea;
    readonly net: NetArea;
    readonly bus: BusArea;
    readonly extensions: ExtensionsArea;
  };
  /** Stop everything, in reverse order of start: extensions, bus, net, presence, identity, sockets, database. */
  close(): Promise<void>;
}

/** The repository's built-in extensions folder (dev and tests). */
export const DEFAULT_BUILTIN_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../extensions');

/**
 * Compose and start the peer app. Each area is created here and nowhere else, in dependency
 * order, so this file is the map of the host.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const database = await openDatabase(config.dataDir, { syncFailed: (err) => log.error({ err }, 'storage: syncing the database to disk failed') });

  const identity = createIdentityArea({ config, log, database });
  const kernel = createKernel({ config, log, database, gate: identity.gate, clientDir: options.clientDir });
  const { gateway, launchSecret } = kernel;

  const areas: HostArea[] = [];
  let identityArea: IdentityArea;
  let presence: PresenceArea;
  let net: NetArea;
  let bus: BusArea;
  let extensions: ExtensionsArea;
  try {
    identityArea = bindIdentity(identity, kernel);
    presence = createPresenceArea(kernel, identityArea);
    net = createNetArea(kernel, identityArea, presence);
    bus = createBusArea(kernel, identityArea, net);
    const media = createMediaArea(kernel);
    const providers: ContextProviders = Object.assign(
      {},
      identityArea.providers,
      presence.providers,
      net.providers,
      bus.providers,
      media.providers,
    );
    extensions = createExtensionsArea(kernel, identityArea, providers, options.extensions ?? { builtinDir: DEFAULT_BUILTIN_DIR });
    const manager = extensions.manager;
    bus.engine.expectsKind = (kind) => manager.expectsKind(kind);
    areas.push(identityArea, presence, net, bus, media, extensions);
  } catch (error) {
    await database.close();
    throw error;
  }

  let address: AddressInfo;
  try {
    address = await gateway.listen(config.host, config.port);
    for (const area of areas) await area.start?.();
  } catch (error) {
    await stopAll(areas, log);
    await gateway.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  const url = `http://${config.host}:${address.port}`;
  log.info({ url, dataDir: config.dataDir }, 'kith peer app listening');

  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    url,
    port: address.port,
    database,
    gateway,
    launchSecret,
    fetch(pathAndQuery, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('x-kith-secret', launchSecret);
      if (init.body !== undefined && !headers.has('content-type') && typeof init.body === 'string') {
        headers.set('content-type', 'application/json');
      }
      return fetch(`${url}${pathAndQuery}`, { ...init, headers });
    },
    areas: { identity: identityArea, presence, net, bus, extensions },
    close() {
      closing ??= (async () => {
        await stopAll(areas, log);
        await gateway.close();
        await database.close();
        log.info('kith peer app stopped');
      })();
      return closing;
    },
  };
}

/**
 * The identity area is created before the gateway (the lock gate needs it) and bound to the full
 * kernel afterwards, when it mounts its routes.
 */
function bindIdentity(identity: IdentityArea, kernel: Kernel): IdentityArea {
  identity.bind?.(kernel);
  return identity;
}

async function stopAll(areas: readonly HostArea[], log: HostLogger): Promise<void> {
  for (const area of [...areas].reverse()) {
    try {
      await area.stop?.();
    } catch (error) {
      log.error({ err: error, area: area.name }, 'area failed to stop');
    }
  }
}
