/**
 * One peer app for end-to-end tests: a real host (real HTTP, SQLite file, UDP) with the built-in
 * extensions, a persona created and unlocked through the API, and a restart that keeps the data
 * dir. Everything after start-up goes through the documented HTTP API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestPersona } from '@kith/sdk/testing';
import { startInProcessHost as startTestHost, type InProcessHost as TestHost } from '../../../host/test/extensions/harness/in-process-host.js';
import { ApiClient } from './api-client.js';

export interface PersonaKeys {
  readonly masterPublicKey: string;
  readonly peerId: string;
}

export class E2ePeer {
  readonly api: ApiClient;
  private current: TestHost | undefined;
  persona!: TestPersona;
  keys!: PersonaKeys;

  private constructor(
    readonly name: string,
    readonly dataDir: string,
  ) {
    this.api = new ApiClient(() => (route, init) => this.host.fetch(route, init));
  }

  get host(): TestHost {
    if (!this.current) throw new Error(`${this.name} is stopped`);
    return this.current;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Start a host in a fresh data dir and create + unlock a persona labelled `name`. */
  static async start(name: string): Promise<E2ePeer> {
    const peer = new E2ePeer(name, fs.mkdtempSync(path.join(os.tmpdir(), `kith-e2e-${name.toLowerCase()}-`)));
    await peer.boot();
    peer.persona = await peer.host.createPersona(name);
    await peer.readKeys();
    return peer;
  }

  private async boot(): Promise<void> {
    this.current = await startTestHost({ extensions: [], builtin: true, dataDir: this.dataDir });
  }

  private async readKeys(): Promise<void> {
    const personas = await this.api.ok<any>('GET', '/personas');
    const list: any[] = Array.isArray(personas) ? personas : personas.personas;
    const mine = list.find((p) => p.slug === this.persona.slug);
    this.keys = { masterPublicKey: mine.master_pubkey, peerId: mine.peer_id };
  }

  /** Stop the host (the data dir stays). */
  async stop(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  /** Start again on the same data dir and unlock the same persona. */
  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
    await this.host.unlock(this.persona);
  }

  /** The SQLite file and its WAL, as raw bytes. */
  databaseBytes(): Buffer {
    const files = fs.readdirSync(this.dataDir).filter((f) => /\.sqlite(-wal|-journal)?$/.test(f));
    return Buffer.concat(files.map((f) => fs.readFileSync(path.join(this.dataDir, f))));
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
