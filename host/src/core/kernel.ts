import { randomBytes } from 'node:crypto';
import type { HostConfig } from '../config.js';
import type { HostLogger } from '../log.js';
import type { Database } from '../storage/database.js';
import { createGateway } from '../gateway/gateway.js';
import type { Kernel } from './area.js';
import { mountHealth } from './host-health.js';
import type { PersonaGate } from './persona-gate.js';
import { createDiagnosticsLogs } from './trace-log.js';
import { PageChannelHub } from './page-channel-hub.js';
import { UiHub } from './ui-hub.js';

/**
 * Build what every area is made from: a fresh per-launch secret, the gateway guarded by `gate`
 * (with `/api/health` mounted), the UI hub, the page channels and the diagnostics logs.
 */
export function createKernel(parts: {
  readonly config: HostConfig;
  readonly log: HostLogger;
  readonly database: Database;
  readonly gate: PersonaGate;
  readonly clientDir?: string;
}): Kernel {
  const { config, log, database, gate, clientDir } = parts;
  const launchSecret = randomBytes(32).toString('base64url');
  const gateway = createGateway({ log, gate, clientDir, launchSecret });
  mountHealth(gateway.publicApi);
  // Attached before any page connects; the extensions area reaches it with PageChannelHub.of(io).
  PageChannelHub.of(gateway.io);
  const ui = new UiHub(gateway.io, gateway.plainSockets, () => gate.active === undefined);
  ui.provideSnapshot('locked', () => gate.active === undefined);
  ui.provideSnapshot('persona', () => {
    const info = gate.active?.info;
    return info ? { slug: info.slug, label: info.label, peer_id: info.peerId, master_pubkey: info.masterPublicKey } : null;
  });
  return {
    config,
    log,
    database,
    gateway,
    ui,
    diagnostics: createDiagnosticsLogs(gate),
    launchSecret,
  };
}
