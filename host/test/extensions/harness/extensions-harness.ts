import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ContextProviders, Kernel } from '../../../src/core/area.js';
import { loadConfig } from '../../../src/config.js';
import { createKernel } from '../../../src/core/kernel.js';
import { createLogger } from '../../../src/log.js';
import { openDatabase } from '../../../src/storage/database.js';
import { createExtensionsArea, type ExtensionSources, type ExtensionsArea } from '../../../src/extensions/area.js';
import { TestGate } from './test-persona.js';

/** A real gateway + database + extensions area, with a hand-driven persona gate. */
export interface ExtensionsHarness {
  readonly url: string;
  readonly dataDir: string;
  readonly gate: TestGate;
  readonly kernel: Kernel;
  readonly area: ExtensionsArea;
  fetch(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  /** fetch + JSON body + status. */
  json(pathAndQuery: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Called with the user extensions folder (`<data>/extensions`) before the area starts. */
  readonly install?: (userDir: string) => void;
  readonly sources?: ExtensionSources;
  readonly providers?: ContextProviders;
  /** Reuse a data dir (restarts); removed by close() only when the harness created it. */
  readonly dataDir?: string;
}

export async function startExtensionsHarness(options: HarnessOptions = {}): Promise<ExtensionsHarness> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-ext-'));
  const userDir = path.join(dataDir, 'extensions');
  fs.mkdirSync(userDir, { recursive: true });
  options.install?.(userDir);
  const config = loadConfig({}, { port: 0, dataDir, logLevel: process.env.KITH_LOG ?? 'silent' });
  const log = createLogger(config.logLevel);
  const database = await openDatabase(dataDir);
  const gate = new TestGate();
  const kernel: Kernel = createKernel({ config, log, database, gate });
  const { gateway, launchSecret } = kernel;
  // The harness exercises the in-process path built-ins take (zones, revocation, providers);
  // third-party extensions in their own process have their own tests (test/isolation).
  const area = createExtensionsArea(kernel, { gate }, options.providers ?? {}, { isolation: 'in-process', ...options.sources });
  const address: AddressInfo = await gateway.listen('127.0.0.1', 0);
  await area.start?.();
  const url = `http://127.0.0.1:${address.port}`;
  const doFetch = (p: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-kith-secret', launchSecret);
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${url}${p}`, { ...init, headers });
  };
  return {
    url,
    dataDir,
    gate,
    kernel,
    area,
    fetch: doFetch,
    async json(p, init) {
      const res = await doFetch(p, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await area.stop?.();
      await gateway.close();
      await database.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
