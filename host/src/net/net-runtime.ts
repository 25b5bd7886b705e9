import type { Endpoint, PeerKey } from '@kith/sdk';
import type { ActivePersona } from '../core/persona-gate.js';
import { UdpPort } from './udp-port.js';
import { StunClient, DEFAULT_STUN_SERVERS, resolveStunServers } from './stun-client.js';
import { discoverEndpoints, type DiscoveryResult } from './discovery.js';
import { PeerKeyring, type FriendKeys, type PeerKeyEntry } from './peer-keyring.js';
import { SessionTable, type SessionTableEvents } from './session-table.js';
import { LanBeacons } from './lan-beacon.js';
import { runLadder, type LadderOptions, type LadderResult, type LanSeeker } from './connect-ladder.js';
import type { LiveSession } from './live-session.js';
import { RejectionCounters } from './rejection-counters.js';

export interface NetRuntimeOptions {
  /** UDP port for sessions and STUN (`KITH_UDP_PORT`; 0 = any). */
  readonly udpPort?: number;
  /** Address to bind (default `::`, dual-stack). */
  readonly udpAddress?: string;
  /** `host:port` STUN servers; empty → {@link DEFAULT_STUN_SERVERS}. */
  readonly stunServers: readonly string[];
  /** LAN beacon port (`KITH_LAN_PORT`); `false` turns the LAN rung off. */
  readonly beaconPort?: number | false;
  readonly beaconTargets?: readonly Endpoint[];
  /** Session open/close/heartbeat hooks (UI events). */
  readonly events?: SessionTableEvents;
}

/** How long a discovery answer is reused. */
const DISCOVERY_TTL_MS = 30_000;

/**
 * The host's UDP machinery: one dual-stack port (STUN and peers share it, so the discovered
 * mapping is the one peers punch to), the LAN beacon socket, and the session table of the
 * active persona (created on unlock, closed on lock).
 */
export class NetRuntime {
  readonly counters = new RejectionCounters();
  /** Summed over every timed session listener extensions bound. */
  readonly listenerCounters = new RejectionCounters();
  readonly #options: NetRuntimeOptions;
  #port: UdpPort | undefined;
  #stun: StunClient | undefined;
  #beacons: LanBeacons | undefined;
  #table: SessionTable | undefined;
  #discovery: { at: number; result: Promise<DiscoveryResult> } | undefined;
  readonly #seekers = new Map<PeerKey, Set<{ seen: Endpoint | undefined }>>();

  constructor(options: NetRuntimeOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#port = await UdpPort.bind({ port: this.#options.udpPort ?? 0, address: this.#options.udpAddress, counters: this.counters });
    this.#stun = new StunClient(this.#port);
    this.#port.onPeer((data, from) => {
      if (this.#table) this.#table.handle(data, from);
      else this.counters.reject('locked');
    });
    if (this.#options.beaconPort !== false) {
      try {
        this.#beacons = await LanBeacons.open({
          port: this.#options.beaconPort,
          targets: this.#options.beaconTargets,
          counters: this.counters,
          onBeacon: (data, from) => {
            if (this.#table) this.#table.handleBeacon(data, from);
          },
        });
      } catch {
        this.#beacons = undefined; // the LAN rung is skipped (trace says so)
      }
    }
  }

  async stop(): Promise<void> {
    this.deactivate('shutdown');
    this.#stun?.cancelAll();
    await this.#beacons?.close();
    await this.#port?.close();
  }

  get udpPort(): number {
    return this.#port?.port ?? 0;
  }

  get table(): SessionTable | undefined {
    return this.#table;
  }

  /** A persona was unlocked: sessions now run for it. */
  activate(persona: ActivePersona, friends: readonly FriendKeys[]): SessionTable {
    this.deactivate('persona-switched');
    if (!this.#port) throw new Error('net runtime not started');
    const keyring = new PeerKeyring(persona);
    keyring.replace(friends);
    const events = this.#options.events ?? {};
    this.#table = new SessionTable(this.#port, keyring, {
      ...events,
      onBeacon: (entry: PeerKeyEntry, from: Endpoint) => {
        for (const seeker of this.#seekers.get(entry.peer) ?? []) seeker.seen = from;
      },
    });
    return this.#table;
  }

  /** Lock or persona switch: every session closes with `reason`. */
  deactivate(reason: string): void {
    this.#table?.stop(reason);
    this.#table = undefined;
  }

  /** Public endpoints through STUN (cached for 30 s unless `fresh`). */
  discover(options: { fresh?: boolean; family?: 'ipv4' | 'ipv6' } = {}): Promise<DiscoveryResult> {
    if (!this.#stun) return Promise.reject(new Error('net runtime not started'));
    const cached = this.#discovery;
    if (!options.fresh && !options.family && cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.result;
    const names = this.#options.stunServers.length > 0 ? this.#options.stunServers : DEFAULT_STUN_SERVERS;
    const stun = this.#stun;
    const result = resolveStunServers(names).then(({ servers, errors }) => discoverEndpoints(stun, servers, options.family, errors));
    if (!options.family) this.#discovery = { at: Date.now(), result };
    result.catch(() => (this.#discovery = undefined));
    return result;
  }

  /** Run the connect ladder for `peer` with the LAN rung wired to our beacons. */
  ladder(options: Omit<LadderOptions, 'table' | 'lan'>): Promise<LadderResult> {
    const table = this.#table;
    if (!table) return Promise.reject(new Error('locked'));
    const seeker = { seen: undefined as Endpoint | undefined };
    let set = this.#seekers.get(options.peer);
    if (!set) this.#seekers.set(options.peer, (set = new Set()));
    set.add(seeker);
    const entry = table.keyring.get(options.peer);
    const beacons = this.#beacons;
    const lan: LanSeeker | undefined = beacons && entry
      ? { announce: () => beacons.announce(entry, table.keyring.persona.masterPublicKey, this.udpPort), seen: () => seeker.seen }
      : undefined;
    return runLadder({ ...options, table, lan }).finally(() => {
      set!.delete(seeker);
      if (set!.size === 0) this.#seekers.delete(options.peer);
    });
  }

  /** Sessions of the active persona (empty while locked). */
  sessions(): readonly LiveSession[] {
    return (this.#table?.all ?? []) as readonly LiveSession[];
  }
}
