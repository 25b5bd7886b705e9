import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '@kith/sdk';
import { encodeBeacon, BEACON_NONCE_BYTES } from './peer-packet.js';
import { beaconHint, type PeerKeyEntry } from './peer-keyring.js';
import { toEndpoint } from './endpoint.js';
import { MAX_RECEIVE } from './wire-constants.js';
import type { RejectionCounters } from './rejection-counters.js';

/** The LAN beacon group and default port (`KITH_LAN_PORT` overrides the port). */
export const BEACON_GROUP = '239.255.70.75';
export const DEFAULT_BEACON_PORT = 47_474;

/**
 * LAN discovery for the "LAN direct" rung: while a connect attempt runs, both friends multicast
 * beacons on the local link saying "a friend of yours listens on session port P". The beacon holds
 * only a keyed hint (HMAC of the friendship key over the sender's key, a nonce and the port), so
 * other machines learn nothing, and LAN addresses never leave the link: nothing is published.
 */
export class LanBeacons {
  readonly #socket: dgram.Socket;
  readonly #port: number;
  readonly #targets: readonly Endpoint[];

  private constructor(socket: dgram.Socket, port: number, targets: readonly Endpoint[]) {
    this.#socket = socket;
    this.#port = port;
    this.#targets = targets;
  }

  /**
   * Listen on the beacon port (shared with other Kith hosts on this machine through SO_REUSEADDR).
   * `targets` overrides where beacons go (tests on loopback, which has no multicast).
   */
  static async open(options: {
    port?: number;
    targets?: readonly Endpoint[];
    counters: RejectionCounters;
    onBeacon: (data: Buffer, from: Endpoint) => void;
  }): Promise<LanBeacons> {
    const port = options.port ?? DEFAULT_BEACON_PORT;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => options.counters.reject('beacon-socket-error'));
    try {
      socket.setMulticastTTL(1);
      socket.setMulticastLoopback(true);
      socket.addMembership(BEACON_GROUP);
    } catch {
      // No multicast route (e.g. a namespace with only loopback): explicit targets still work.
    }
    socket.on('message', (data, rinfo) => {
      if (data.length > MAX_RECEIVE) return options.counters.reject('oversize');
      try {
        options.onBeacon(data, toEndpoint(rinfo.address, rinfo.port));
      } catch {
        options.counters.reject('handler-threw');
      }
    });
    return new LanBeacons(socket, port, options.targets ?? [{ address: BEACON_GROUP, port, family: 'ipv4' }]);
  }

  /** Send one beacon for `entry`, announcing our session port. */
  announce(entry: PeerKeyEntry, ownMaster: Uint8Array, sessionPort: number): void {
    const nonce = randomBytes(BEACON_NONCE_BYTES);
    const packet = encodeBeacon(nonce, beaconHint(entry.hintKey, ownMaster, nonce, sessionPort), sessionPort);
    for (const target of this.#targets) {
      this.#socket.send(packet, target.port, target.address, () => undefined);
    }
  }

  get port(): number {
    return this.#port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
