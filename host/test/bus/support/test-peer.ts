import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EventEmitter, type Disposable, type ExtensionManifest } from '@kith/sdk';
import { openDatabase, type Database } from '../../../src/storage/database.js';
import type { ActivePersona, PersonaGate } from '../../../src/core/persona-gate.js';
import type { ExtensionScope } from '../../../src/core/area.js';
import { BusEngine } from '../../../src/bus/bus-engine.js';
import type { BusHooks } from '../../../src/bus/channel-host.js';

/** Key material of a test persona (random, or fixed to reopen the same persona after a restart). */
export interface PersonaKeys {
  readonly masterPublicKey: string;
  readonly atRestKey: string;
}

export function randomPersonaKeys(): PersonaKeys {
  return { masterPublicKey: randomBytes(32).toString('hex'), atRestKey: randomBytes(32).toString('hex') };
}

/** A persona gate that is unlocked with `keys` (only the fields the bus reads). */
export function unlockedGate(keys: PersonaKeys): PersonaGate & { lock(): void } {
  const changed = new EventEmitter<ActivePersona | undefined>();
  const persona = {
    info: { slug: keys.masterPublicKey.slice(0, 8), label: 'test', peerId: keys.masterPublicKey.slice(0, 16), masterPublicKey: keys.masterPublicKey },
    masterPublicKey: new Uint8Array(Buffer.from(keys.masterPublicKey, 'hex')),
    atRestKey: new Uint8Array(Buffer.from(keys.atRestKey, 'hex')),
  } as unknown as ActivePersona;
  const gate = {
    active: persona as ActivePersona | undefined,
    onDidChangeActive: changed.event,
    lock() {
      gate.active = undefined;
      changed.fire(undefined);
    },
  };
  return gate;
}

/** One side of a bus test: its own SQLite file, persona and engine. */
export interface TestPeer {
  readonly keys: PersonaKeys;
  readonly database: Database;
  readonly engine: BusEngine;
  readonly dataDir: string;
  /** Build an extension scope as the extension manager would. */
  scope(id: string, kinds: readonly string[], options?: { builtin?: boolean }): TestScope;
  /** Lock the persona (the gate fires onDidChangeActive with undefined). */
  lock(): void;
  close(removeData?: boolean): Promise<void>;
}

export interface TestScope extends ExtensionScope {
  readonly faults: unknown[];
  readonly tracked: Disposable[];
  /** Dispose everything tracked, last first (extension turned off). */
  deactivate(): void;
}

export async function createTestPeer(
  options: { keys?: PersonaKeys; dataDir?: string; hooks?: BusHooks; ui?: { emit(name: string, payload: unknown): void }; graceMs?: number } = {},
): Promise<TestPeer> {
  const keys = options.keys ?? randomPersonaKeys();
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bus-test-'));
  const database = await openDatabase(dataDir);
  const gate = unlockedGate(keys);
  const engine = new BusEngine({
    sqlite: database.sqlite, writes: database.writes, gate, hooks: options.hooks, ui: options.ui, graceMs: options.graceMs ?? 0,
    log: { debug: () => undefined, error: (fields, message) => process.stderr.write(`bus error: ${message} ${JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.stack : v))}\n`) },
  });
  return {
    keys,
    database,
    engine,
    dataDir,
    scope: (id, kinds, scopeOptions = {}) => makeScope(gate.active!, id, kinds, scopeOptions),
    lock: () => gate.lock(),
    async close(removeData = true) {
      engine.stop();
      await database.close();
      if (removeData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An extension scope as the extension manager builds one, for `persona`. */
export function makeScope(persona: ActivePersona, id: string, kinds: readonly string[], options: { builtin?: boolean } = {}): TestScope {
  const faults: unknown[] = [];
  const tracked: Disposable[] = [];
  const manifest = { id, displayName: id, hostVersion: '^1.0.0', main: 'index.js', kinds } as ExtensionManifest;
  return {
    extension: { id, version: '1.0.0', builtin: options.builtin ?? true, root: '/' },
    manifest,
    persona,
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    faults,
    tracked,
    track<T extends Disposable>(resource: T): T {
      tracked.push(resource);
      return resource;
    },
    fault(error: unknown) {
      faults.push(error);
    },
    deactivate() {
      for (const d of tracked.splice(0).reverse()) d.dispose();
    },
  };
}
