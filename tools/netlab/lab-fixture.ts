import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLab, type Lab } from './lab-topology.js';
import { LabProcess } from './lab-process.js';
import { startStunServer, type StunServerProcess } from './stun-server.js';

export type HostRole = 'a' | 'a2' | 'b' | 's1' | 's2' | 'v1' | 'v2' | 'pub';

/** One real Kith host in the lab, with an unlocked persona. */
export interface LabPeer {
  readonly role: HostRole;
  readonly proc: LabProcess;
  readonly peer: string;
  readonly peerId: string;
}

/** The lab with coturn and a /r/time server on the rendezvous host, and Kith hosts where asked. */
export interface LabFixture {
  readonly lab: Lab;
  readonly rendezvousUrl: string;
  readonly rendezvousUrl6: string;
  /** The real rendezvous server (`kith --server`) in the rdv namespace. */
  readonly signallingUrl: string;
  readonly peers: Partial<Record<HostRole, LabPeer>>;
  /** coturn's port on the rdv addresses. */
  readonly stunPort: number;
  teardown(): Promise<void>;
}

/** Options of {@link startLab}. */
export interface LabOptions {
  /** Built-in extensions the lab hosts run (folders; default: none). */
  readonly extensions?: readonly string[];
}

export async function startLab(roles: readonly HostRole[], options: LabOptions = {}): Promise<LabFixture> {
  const lab = buildLab();
  const dirs: string[] = [];
  const procs: LabProcess[] = [];
  let stun: StunServerProcess | undefined;
  const teardown = async () => {
    await Promise.all(procs.map((p) => p.stop().catch(() => undefined)));
    await stun?.stop();
    lab.teardown();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const stunPort = 20_000 + Math.floor(Math.random() * 20_000);
    // Two addresses per family: coturn then answers RFC 5780 CHANGE-REQUESTs on both (filtering probes).
    stun = await startStunServer({ addresses: [lab.rdv.ipv4, lab.rdv.ipv4b, lab.rdv.ipv6, lab.rdv.ipv6b], port: stunPort, netns: lab.rdv.ns });
    const timePort = 40_000 + Math.floor(Math.random() * 20_000);
    const timeServer = new LabProcess(lab.rdv.ns, 'tools/netlab/lab-time-server.ts', { LAB_TIME_PORT: String(timePort) });
    procs.push(timeServer);
    await timeServer.ready;
    // The real rendezvous server (`kith --server`) beside it, for the request/accept flow.
    const rendezvousPort = 40_000 + Math.floor(Math.random() * 20_000);
    const rendezvous = new LabProcess(lab.rdv.ns, 'host/src/main.ts', {
      KITH_PORT: String(rendezvousPort), KITH_HOST: '0.0.0.0', KITH_LOG: 'error',
    }, { args: ['--server'], readyLine: /listening/ });
    procs.push(rendezvous);
    await rendezvous.ready;
    const lanPort = String(30_000 + Math.floor(Math.random() * 10_000));
    const stunList = `${lab.rdv.ipv4}:${stunPort},${lab.rdv.ipv4b}:${stunPort},[${lab.rdv.ipv6}]:${stunPort},[${lab.rdv.ipv6b}]:${stunPort}`;
    const builtinDir = options.extensions?.length ? linkExtensions(options.extensions, dirs) : undefined;
    const peers: Partial<Record<HostRole, LabPeer>> = {};
    await Promise.all(roles.map(async (role) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kith-lab-${role}-`));
      dirs.push(dataDir);
      const proc = new LabProcess(lab.hosts[role].ns, 'tools/netlab/lab-node.ts', {
        KITH_DATA: dataDir, KITH_STUN: stunList, KITH_LAN_PORT: lanPort, KITH_NO_BROWSER: '1', KITH_LOG: 'error',
        ...(builtinDir ? { KITH_LAB_BUILTIN_DIR: builtinDir } : {}),
      });
      procs.push(proc);
      await proc.ready;
      const passphrase = `lab passphrase for ${role} 12345`;
      const created = await proc.api('POST', '/api/personas', { label: `lab ${role}`, passphrase, slug: `lab-${role}` });
      if (created.status !== 201) throw new Error(`persona create failed: ${JSON.stringify(created)}`);
      const unlocked = await proc.api('POST', '/api/identity/unlock', { slug: `lab-${role}`, passphrase, set_active: true });
      if (unlocked.status !== 200) throw new Error(`unlock failed: ${JSON.stringify(unlocked)}`);
      const card = await proc.call<{ peer: string; peerId: string }>('card', { forPeer: '00'.repeat(32) });
      peers[role] = { role, proc, peer: card.peer, peerId: card.peerId };
    }));
    return {
      lab,
      rendezvousUrl: `http://${lab.rdv.ipv4}:${timePort}`,
      rendezvousUrl6: `http://[${lab.rdv.ipv6}]:${timePort}`,
      signallingUrl: `http://${lab.rdv.ipv4}:${rendezvousPort}`,
      peers,
      stunPort,
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** Make `x` and `y` friends on both sides (identity cards exchanged in-process, as pairing would). */
export async function befriend(x: LabPeer, y: LabPeer): Promise<void> {
  const cardX = await x.proc.call('card', { forPeer: y.peer });
  const cardY = await y.proc.call('card', { forPeer: x.peer });
  await x.proc.call('befriend', { card: cardY });
  await y.proc.call('befriend', { card: cardX });
}

/** The server clock of the lab's rendezvous host, read from inside a namespace-less process via the peer. */
export function punchAt(leadMs = 800): number {
  // Every namespace shares the kernel clock, so the lab's server time equals ours.
  return Date.now() + leadMs;
}

/** A temp folder of symlinks to `extensions`: the lab hosts' built-in extension folder. */
function linkExtensions(extensions: readonly string[], dirs: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-lab-ext-'));
  dirs.push(dir);
  for (const folder of extensions) fs.symlinkSync(path.resolve(folder), path.join(dir, path.basename(folder)));
  return dir;
}
