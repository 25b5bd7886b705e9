import type { AddressInfo } from 'node:net';
import type { HostConfig } from './config.js';
import { createLogger, type HostLogger } from './log.js';
import { openDatabase, type Database } from './storage/database.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { mountHealth } from './core/host-health.js';
import type { PersonaGate } from './core/persona-gate.js';
import { EventEmitter } from '@kith/sdk';

/** What the composition root needs besides the configuration (tests and the packager pass these). */
export interface HostOptions {
  readonly config: HostConfig;
  readonly log?: HostLogger;
  /** Folder of the built client; omitted → the API only. */
  readonly clientDir?: string;
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
  /** Stop everything, in reverse order of start: extensions, sessions, sockets, database. */
  close(): Promise<void>;
}

/**
 * Compose and start the peer app: storage, identity, the gateway, the extension manager. Each
 * area is created here and nowhere else, so this file is the map of the host.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const database = await openDatabase(config.dataDir);

  // Until the identity module lands, Kith stays locked.
  const lockedGate: PersonaGate = { active: undefined, onDidChangeActive: new EventEmitter<undefined>().event };
  const gate = lockedGate;

  const gateway = createGateway({ log, gate, clientDir: options.clientDir });
  mountHealth(gateway.publicApi);

  let address: AddressInfo;
  try {
    address = await gateway.listen(config.host, config.port);
  } catch (error) {
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
    close() {
      closing ??= (async () => {
        await gateway.close();
        await database.close();
        log.info('kith peer app stopped');
      })();
      return closing;
    },
  };
}
