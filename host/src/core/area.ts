import type { Disposable, ExtensionContext, ExtensionInfo, ExtensionManifest, Logger } from '@kith/sdk';
import type { HostConfig } from '../config.js';
import type { HostLogger } from '../log.js';
import type { Database } from '../storage/database.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ActivePersona } from './persona-gate.js';
import type { DiagnosticsLogs } from './trace-log.js';
import type { UiHub } from './ui-hub.js';

/** What every area of the host is built from. */
export interface Kernel {
  readonly config: HostConfig;
  readonly log: HostLogger;
  readonly database: Database;
  readonly gateway: Gateway;
  /** Real-time events to and from the pages (socket.io on /api/ws). */
  readonly ui: UiHub;
  /** Connect traces and rendezvous activity (Tester page). */
  readonly diagnostics: DiagnosticsLogs;
  /**
   * The per-launch secret every API request and socket.io handshake must carry (header
   * `x-kith-secret`, socket auth `{ secret }`); delivered only to Kith's own page.
   */
  readonly launchSecret: string;
}

/**
 * One extension, for one persona, as a context provider sees it. Providers build the
 * context member for this scope and must `track` every resource they create for it, so that the
 * host can dispose it when the extension is turned off even if the extension forgot to.
 */
export interface ExtensionScope {
  readonly extension: ExtensionInfo;
  readonly manifest: ExtensionManifest;
  readonly persona: ActivePersona;
  readonly log: Logger;
  /** Register a resource to dispose on deactivation; returns it. */
  track<T extends Disposable>(resource: T): T;
  /** Mark the extension faulted (a handler threw); the host reports it and keeps running. */
  fault(error: unknown): void;
}

/** Builders for the members of `ExtensionContext` that areas provide. */
export type ContextProviders = {
  readonly [K in Exclude<keyof ExtensionContext, 'extension' | 'persona' | 'subscriptions' | 'log'>]?: (
    scope: ExtensionScope,
  ) => ExtensionContext[K];
};

/** A part of the host: routes it mounts, context members it provides, and its lifetime. */
export interface HostArea {
  readonly name: string;
  /** Context members this area provides to extensions. */
  readonly providers?: ContextProviders;
  /** Start background work (after the gateway listens). */
  start?(): Promise<void>;
  /** Stop; areas stop in reverse order of creation. */
  stop?(): Promise<void>;
}
