/**
 * A kit host (`@kith/sdk/testing`) that can be stopped and started again on its data dir, so a
 * test can act while the friend's program is not running at all (the kit's `restart` stops and
 * starts in one step). Also reads the raw SQLite bytes for at-rest checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHost, type TestHost, type TestPersona } from '@kith/sdk/testing';

/** The active persona's master public key (64 hex digits), as routes take it. */
export const keyOf = (host: TestHost): string => persona(host).key;
/** The active persona's peer id, which routes also accept. */
export const peerIdOf = (host: TestHost): string => persona(host).peerId;

function persona(host: TestHost): TestPersona {
  if (!host.persona) throw new Error(`${host.name} has no unlocked persona`);
  return host.persona;
}

export class StoppableHost {
  #host: TestHost | undefined;
  #persona: TestPersona | undefined;

  private constructor(
    readonly name: string,
    readonly dataDir: string,
  ) {}

  /** Start the program in a fresh data dir with a persona labelled `name`, unlocked. */
  static async start(name: string): Promise<StoppableHost> {
    const peer = new StoppableHost(name, fs.mkdtempSync(path.join(os.tmpdir(), `kith-e2e-${name.toLowerCase()}-`)));
    await peer.start();
    return peer;
  }

  /** The running host; throws while stopped. */
  get host(): TestHost {
    if (!this.#host) throw new Error(`${this.name} is stopped`);
    return this.#host;
  }

  /** The persona's master public key (stays the same while stopped). */
  get key(): string {
    return this.#persona!.key;
  }

  /** Start the program on the data dir (again) and unlock the persona. */
  async start(): Promise<void> {
    if (this.#host) return;
    const host = await startTestHost({ name: this.name, dataDir: this.dataDir });
    this.#host = host;
    if (this.#persona) await host.unlock(this.#persona);
    else this.#persona = await host.createPersona(this.name);
  }

  /** Stop the program; the data dir stays. */
  async stop(): Promise<void> {
    await this.#host?.close();
    this.#host = undefined;
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
