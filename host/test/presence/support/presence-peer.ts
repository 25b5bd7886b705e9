import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ActivePersona } from '../../../src/core/persona-gate.js';
import type { Kernel } from '../../../src/core/area.js';
import { createDiagnosticsLogs } from '../../../src/core/trace-log.js';
import { UiHub } from '../../../src/core/ui-hub.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { createGateway } from '../../../src/gateway/gateway.js';
import { openDatabase } from '../../../src/storage/database.js';
import { createPresenceArea, type PresenceArea, type PresenceAreaOptions } from '../../../src/presence/area.js';
import type { IdentityArea } from '../../../src/identity/area.js';
import { makePersona, TestFriends, TestGate } from './test-persona.js';

/** One peer app reduced to what presence needs: a real gateway on a free port, a gate, friends. */
export interface PresencePeer {
  readonly persona: ActivePersona;
  readonly gate: TestGate;
  readonly friends: TestFriends;
  readonly presence: PresenceArea;
  readonly kernel: Kernel;
  api(pathname: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startPresencePeer(label: string, options: PresenceAreaOptions = {}): Promise<PresencePeer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-presence-'));
  const config = loadConfig({}, { port: 0, dataDir });
  const log = createLogger('silent');
  const database = await openDatabase(dataDir);
  const gate = new TestGate();
  const launchSecret = randomBytes(32).toString('base64url');
  const gateway = createGateway({ log, gate, launchSecret });
  const kernel: Kernel = {
    config, log, database, gateway, ui: new UiHub(gateway.io), launchSecret,
    diagnostics: createDiagnosticsLogs(gate),
  };
  const friends = new TestFriends();
  // Presence uses only the gate (and friends, passed as an option) of the identity area.
  const identity = { name: 'identity', gate } as unknown as IdentityArea;
  const presence = createPresenceArea(kernel, identity, { friends, ...options });
  const address = await gateway.listen('127.0.0.1', 0);
  const persona = makePersona(label);
  await presence.start?.();
  gate.set(persona);
  const base = `http://127.0.0.1:${address.port}`;
  return {
    persona, gate, friends, presence, kernel,
    async api(pathname, body) {
      const res = await fetch(`${base}/api${pathname}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'x-kith-secret': launchSecret, 'content-type': 'application/json', host: `127.0.0.1:${address.port}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await presence.stop?.();
      await gateway.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
