import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import type { Endpoint } from '@kith/sdk';
import { PEER_MAGIC, MAX_PROBE_DATAGRAM, MAX_RECEIVE, PacketType } from './wire-constants.js';
import { socketAddress, toEndpoint } from './endpoint.js';
import { RejectionCounters } from './rejection-counters.js';
import { isStunMessage } from './stun-message.js';
import { largePackets } from '../core/packet-pool.js';

/**
 * Socket buffers asked for: a bulk window (at most ~1.2 MB, counted in bytes whatever the datagram
 * size) must fit the receive buffer or bursts are dropped; 4 MiB holds it with room for 64 KiB
 * datagrams' overhead. The kernel caps the request at net.core.rmem_max / wmem_max.
 */
const SOCKET_BUFFER_BYTES = 4 << 20;

/**
 * dgram resolves every send's address through `dns.lookup`, which answers even an IP literal on
 * the next tick. Kith only ever sends to literals, so answer those at once (one tick and one
 * closure less per datagram); anything else still goes to DNS.
 */
export function literalLookup(hostname: string, options: dns.LookupOptions | number, callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = net.isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  dns.lookup(hostname, options as dns.LookupOptions, callback as never);
}

/** Receives one class of datagrams from a {@link UdpPort}'s single receive loop. */
export type DatagramHandler = (data: Buffer, from: Endpoint) => void;

/**
 * One dual-stack UDP socket (bound to `::`, `ipv6Only: false`) with ONE receive loop that
 * size-checks every datagram, then hands STUN replies to the STUN client and 0xCC peer packets to
 * the session layer. Everything else is counted as a rejection and dropped. Using the same socket
 * for STUN and peers is what makes the discovered public mapping the one peers punch to.
 */
export class UdpPort {
  readonly counters: RejectionCounters;
  #socket: dgram.Socket;
  #stun: DatagramHandler | undefined;
  #peer: DatagramHandler | undefined;
  #closed = false;
  readonly #dualStack: boolean;

  private constructor(socket: dgram.Socket, counters: RejectionCounters) {
    this.#socket = socket;
    this.#dualStack = socket.address().family === 'IPv6';
    this.counters = counters;
    socket.on('message', (data, rinfo) => this.#receive(data, rinfo));
    // A send to an unreachable address surfaces as an 'error' on some platforms: never crash.
    socket.on('error', () => this.counters.reject('socket-error'));
  }

  /** Bind a dual-stack socket on `port` (0 = any); `address` narrows it (tests, lab). */
  static async bind(options: { port?: number; address?: string; counters?: RejectionCounters; ipv6Only?: boolean } = {}): Promise<UdpPort> {
    const counters = options.counters ?? new RejectionCounters();
    if (options.address) return new UdpPort(await open(options.address, options.port ?? 0, options.ipv6Only ?? false), counters);
    try {
      return new UdpPort(await open('::', options.port ?? 0), counters);
    } catch (error) {
      // A kernel without IPv6 (some containers): fall back to IPv4 only.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL' && code !== 'EINVAL') throw error;
      return new UdpPort(await open('0.0.0.0', options.port ?? 0), counters);
    }
  }

  /** True when the socket is dual-stack (bound to an IPv6 address). */
  get dualStack(): boolean {
    return this.#dualStack;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Route STUN replies (messages with the STUN cookie) to `handler`. */
  onStun(handler: DatagramHandler | undefined): void {
    this.#stun = handler;
  }

  /** Route Kith peer packets (first byte 0xCC) to `handler`. */
  onPeer(handler: DatagramHandler | undefined): void {
    this.#peer = handler;
  }

  /**
   * Send one datagram; `onError` hears about local failures (e.g. no route for that family).
   * Datagrams are corked until the current task ends, then sent back to back: a burst reaches the
   * peer as one burst, which it reads in one wake-up instead of one per datagram (on loopback
   * that halves the CPU both ends spend per datagram). Order is kept.
   */
  send(data: Uint8Array, to: Endpoint, onError?: (error: Error) => void): void {
    if (this.#closed) return;
    if (!this.#dualStack && to.family === 'ipv6') {
      this.counters.reject('send-failed');
      onError?.(new Error('this host has no IPv6'));
      return;
    }
    if (this.#corked.length === 0) queueMicrotask(this.#flush);
    this.#corked.push(data);
    this.#corkedTo.push(to);
    // The data path passes no onError: one shared callback, no closure per datagram; a pooled
    // packet goes back to its pool once sent (the kernel has its bytes then).
    const pooled = largePackets.lent(data);
    this.#corkedDone.push(!onError && !pooled ? this.#countFailure : (error) => {
      if (pooled) largePackets.giveBack(data);
      this.#countFailure(error);
      if (error) onError?.(error);
    });
  }

  // Parallel lists, not an object per datagram: this is the bulk path.
  readonly #corked: Uint8Array[] = [];
  readonly #corkedTo: Endpoint[] = [];
  readonly #corkedDone: Array<(error: Error | null) => void> = [];

  readonly #flush = (): void => {
    for (let i = 0; i < this.#corked.length && !this.#closed; i++) {
      const to = this.#corkedTo[i]!;
      this.#socket.send(this.#corked[i]!, to.port, this.#dualStack ? socketAddress(to) : to.address, this.#corkedDone[i]);
    }
    this.#corked.length = 0;
    this.#corkedTo.length = 0;
    this.#corkedDone.length = 0;
  };

  readonly #countFailure = (error: Error | null): void => {
    if (error) this.counters.reject('send-failed');
  };

  /** Close the socket; datagrams already sent (still corked) leave first, e.g. a session's Close. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#flush();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #receive(data: Buffer, rinfo: dgram.RemoteInfo): void {
    if (data.length === 0) return this.counters.reject('empty');
    // Above 1500 bytes only DATA for a live session can be valid (sizes a path MTU probe
    // confirmed); everything else that large is dropped here, before any parsing.
    if (data.length > MAX_RECEIVE && (data.length > MAX_PROBE_DATAGRAM || data[0] !== PEER_MAGIC || data[1] !== PacketType.Data)) {
      return this.counters.reject('oversize');
    }
    const from = toEndpoint(rinfo.address, rinfo.port);
    if (data[0] === PEER_MAGIC) {
      if (!this.#peer) return this.counters.reject('no-peer-handler');
      return this.#dispatch(this.#peer, data, from);
    }
    if (isStunMessage(data)) {
      if (!this.#stun) return this.counters.reject('stun-unexpected');
      return this.#dispatch(this.#stun, data, from);
    }
    this.counters.reject('bad-magic');
  }

  #dispatch(handler: DatagramHandler, data: Buffer, from: Endpoint): void {
    try {
      handler(data, from);
    } catch {
      // Parsers reject by counting; a throw here is a bug, but one datagram must never kill the host.
      this.counters.reject('handler-threw');
    }
  }
}

function open(address: string, port: number, ipv6Only = false): Promise<dgram.Socket> {
  const socket = dgram.createSocket({
    type: address.includes(':') ? 'udp6' : 'udp4', ipv6Only, reuseAddr: false, lookup: literalLookup as never,
    recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES,
  });
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ port, address, exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
