import dns from 'node:dns/promises';
import net from 'node:net';
import type { Endpoint } from '@kith/sdk';
import { KithError } from '@kith/sdk';
import type { UdpPort } from './udp-port.js';
import {
  StunMethod, checkFingerprint, decodeStunMessage, encodeBindingRequest, errorOf, mappedAddressOf, newTransactionId,
} from './stun-message.js';
import { endpointKey, toEndpoint } from './endpoint.js';

/** What one Binding transaction found. */
export interface StunBinding {
  readonly server: Endpoint;
  readonly mapped: Endpoint;
  readonly rttMs: number;
}

export interface StunRequestOptions {
  /** First retransmission timeout; doubles each time (RFC 8489 §6.2.1, shortened for interactive use). */
  readonly rtoMs?: number;
  /** Total transmissions before giving up. */
  readonly attempts?: number;
}

interface Pending {
  readonly server: Endpoint;
  readonly startedAt: number;
  resolve(binding: StunBinding): void;
  reject(error: Error): void;
}

/** At most this many transactions in flight per port: a bound on the table a reply is matched against. */
const MAX_PENDING = 64;

/**
 * STUN client on a {@link UdpPort}: sends Binding requests with random transaction ids,
 * retransmits with exponential backoff, and matches replies by transaction id and source address.
 */
export class StunClient {
  readonly #port: UdpPort;
  readonly #pending = new Map<string, Pending>();

  constructor(port: UdpPort) {
    this.#port = port;
    port.onStun((data, from) => this.#receive(data, from));
  }

  /** One Binding transaction with `server`. */
  bind(server: Endpoint, options: StunRequestOptions = {}): Promise<StunBinding> {
    if (this.#pending.size >= MAX_PENDING) {
      return Promise.reject(new KithError('KITH_ERR_RATE_LIMITED', 'Too many STUN requests in flight'));
    }
    // 200, 400, 800, 1600 ms: a silent server is given up after 3 s (RFC 8489's 39.5 s is for batch use).
    const rto = options.rtoMs ?? 200;
    const attempts = options.attempts ?? 4;
    const transactionId = newTransactionId();
    const key = transactionId.toString('hex');
    const request = encodeBindingRequest(transactionId);
    return new Promise<StunBinding>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let sent = 0;
      const finish = () => {
        clearTimeout(timer);
        this.#pending.delete(key);
      };
      this.#pending.set(key, {
        server,
        startedAt: Date.now(),
        resolve: (binding) => { finish(); resolve(binding); },
        reject: (error) => { finish(); reject(error); },
      });
      const transmit = () => {
        if (this.#port.closed) return this.#pending.get(key)?.reject(new KithError('KITH_ERR_TIMEOUT', 'UDP socket closed'));
        if (sent >= attempts) {
          return this.#pending.get(key)?.reject(
            new KithError('KITH_ERR_TIMEOUT', `STUN server ${endpointKey(server)} did not answer`),
          );
        }
        // No route to that family (an IPv4-only host asking an IPv6 server): give up at once.
        this.#port.send(request, server, (error) =>
          this.#pending.get(key)?.reject(new KithError('KITH_ERR_UPSTREAM', `STUN server ${endpointKey(server)} unreachable: ${error.message}`)));
        timer = setTimeout(transmit, rto * 2 ** sent);
        sent++;
      };
      transmit();
    });
  }

  /** Reject every transaction in flight (the port is closing). */
  cancelAll(): void {
    for (const pending of [...this.#pending.values()]) pending.reject(new KithError('KITH_ERR_TIMEOUT', 'cancelled'));
  }

  #receive(data: Buffer, from: Endpoint): void {
    const message = decodeStunMessage(data);
    const counters = this.#port.counters;
    if (!message) return counters.reject('stun-malformed');
    if (!checkFingerprint(message)) return counters.reject('stun-bad-fingerprint');
    const pending = this.#pending.get(message.transactionId.toString('hex'));
    if (!pending) return counters.reject('stun-unknown-transaction');
    if (pending.server.address !== from.address || pending.server.port !== from.port) {
      return counters.reject('stun-wrong-source');
    }
    if (message.type === StunMethod.BindingError) {
      counters.accept();
      return pending.reject(new KithError('KITH_ERR_UPSTREAM', `STUN error: ${errorOf(message) ?? 'unknown'}`));
    }
    if (message.type !== StunMethod.BindingSuccess) return counters.reject('stun-unexpected-type');
    const mapped = mappedAddressOf(message);
    if (!mapped) return counters.reject('stun-no-mapped-address');
    counters.accept();
    pending.resolve({ server: pending.server, mapped, rttMs: Date.now() - pending.startedAt });
  }
}

/** Built-in public STUN servers, used when `KITH_STUN` is not set. */
export const DEFAULT_STUN_SERVERS: readonly string[] = ['stun.l.google.com:19302', 'stun.cloudflare.com:3478'];

/** Servers to query, and why any name gave none. */
export interface ResolvedStunServers {
  readonly servers: Endpoint[];
  readonly errors: string[];
}

/** Resolve `host:port` / `[v6]:port` server names to endpoints of both families. */
export async function resolveStunServers(names: readonly string[]): Promise<ResolvedStunServers> {
  const servers: Endpoint[] = [];
  const errors: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const match = /^\[([^\]]+)\]:(\d+)$/.exec(name) ?? /^([^:]+|[^\]]+):(\d+)$/.exec(name);
      const host = match ? match[1]! : name;
      const port = match ? Number(match[2]) : 3478;
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        errors.push(`STUN server ${name}: not a port 1..65535`);
        return;
      }
      if (net.isIP(host)) {
        servers.push(toEndpoint(host, port));
        return;
      }
      try {
        const addresses = await dns.lookup(host, { all: true });
        for (const a of addresses) servers.push(toEndpoint(a.address, port));
      } catch (error) {
        // Not a candidate server, but said: with no server left, discovery would otherwise
        // answer "no address" with no reason (an offline machine, a DNS failure).
        errors.push(`STUN server ${host}: cannot resolve the name (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
      }
    }),
  );
  return { servers, errors };
}
