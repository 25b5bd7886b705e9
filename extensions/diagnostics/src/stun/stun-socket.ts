import type { Datagram, Endpoint, Network, UdpListener } from '@kith/sdk';
import {
  decodeBindingResponse, encodeBindingRequest, isBindingRequest, newTransactionId, transactionIdOf,
  type BindingResponse, type ChangeRequest,
} from './stun-codec.js';

/** How one Binding transaction ended. */
export type StunOutcome =
  | { readonly kind: 'answer'; readonly response: BindingResponse; readonly from: Endpoint; readonly rttMs: number }
  | { readonly kind: 'timeout' }
  /** The send itself failed (no route for that family, socket closed): the probe could not run. */
  | { readonly kind: 'send-failed'; readonly reason: string };

/** Retransmit schedule (ms after the first send): short, because the whole check has 5 s. */
const RETRANSMIT_AT_MS = [0, 250, 750];
/** Transactions in flight on one socket: a bound on the table replies are matched against. */
const MAX_PENDING = 32;

interface Pending {
  readonly startedAt: number;
  settle(outcome: StunOutcome): void;
  readonly onAnswer: (response: BindingResponse, from: Endpoint) => void;
}

/**
 * One UDP socket (bound through `ctx.network.bindUdp`) that runs STUN Binding transactions:
 * random transaction ids, a short retransmit schedule, replies matched by transaction id only
 * (a CHANGE-REQUEST answer comes from another address on purpose). It also notices Binding
 * requests that arrive on it, which is how the hairpin probe sees its own packet come back.
 */
export class StunSocket {
  readonly #pending = new Map<string, Pending>();
  readonly #inboundRequests = new Map<string, () => void>();
  #listener: UdpListener | undefined;

  private constructor() {}

  static async open(network: Network, family: 'ipv4' | 'ipv6', untilMs: number): Promise<StunSocket> {
    const socket = new StunSocket();
    socket.#listener = await network.bindUdp({ port: 0, family, untilMs }, (datagram) => socket.#receive(datagram));
    return socket;
  }

  get local(): Endpoint {
    return this.#listener!.local;
  }

  /** One Binding transaction with `server`, settled within `timeoutMs`. */
  request(server: Endpoint, options: { change?: ChangeRequest; timeoutMs: number }): Promise<StunOutcome> {
    if (this.#pending.size >= MAX_PENDING) return Promise.resolve({ kind: 'send-failed', reason: 'too many probes in flight' });
    const id = newTransactionId();
    const key = Buffer.from(id).toString('hex');
    const request = encodeBindingRequest(id, options.change);
    return new Promise<StunOutcome>((resolve) => {
      const timers: ReturnType<typeof setTimeout>[] = [];
      const settle = (outcome: StunOutcome) => {
        if (!this.#pending.has(key)) return;
        this.#pending.delete(key);
        for (const timer of timers) clearTimeout(timer);
        resolve(outcome);
      };
      const startedAt = performance.now();
      this.#pending.set(key, {
        startedAt,
        settle,
        onAnswer: (response, from) => settle({ kind: 'answer', response, from, rttMs: performance.now() - startedAt }),
      });
      for (const at of RETRANSMIT_AT_MS.filter((ms) => ms < options.timeoutMs)) {
        timers.push(setTimeout(() => {
          this.#listener!.send(request, server).catch((error: Error) => settle({ kind: 'send-failed', reason: error.message }));
        }, at));
      }
      timers.push(setTimeout(() => settle({ kind: 'timeout' }), options.timeoutMs));
    });
  }

  /**
   * Send a Binding request to `target` and resolve true if a Binding request with the same
   * transaction id arrives on `receiver` within `timeoutMs` (the hairpin probe: `target` is
   * `receiver`'s own public endpoint).
   */
  async sendLoopingRequest(target: Endpoint, receiver: StunSocket, timeoutMs: number): Promise<boolean> {
    const id = newTransactionId();
    const key = Buffer.from(id).toString('hex');
    const seen = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { receiver.#inboundRequests.delete(key); resolve(false); }, timeoutMs);
      receiver.#inboundRequests.set(key, () => { clearTimeout(timer); receiver.#inboundRequests.delete(key); resolve(true); });
    });
    const request = encodeBindingRequest(id);
    for (const at of RETRANSMIT_AT_MS.filter((ms) => ms < timeoutMs)) {
      setTimeout(() => void this.#listener?.send(request, target).catch(() => undefined), at);
    }
    return seen;
  }

  close(): void {
    for (const pending of [...this.#pending.values()]) pending.settle({ kind: 'send-failed', reason: 'the check ended' });
    this.#listener?.dispose();
    this.#listener = undefined;
  }

  #receive(datagram: Datagram): void {
    const key = transactionIdOf(datagram.data);
    if (key === undefined) return;
    if (isBindingRequest(datagram.data)) {
      this.#inboundRequests.get(key)?.();
      return;
    }
    const pending = this.#pending.get(key);
    const response = pending ? decodeBindingResponse(datagram.data) : undefined;
    if (pending && response) pending.onAnswer(response, datagram.from);
  }
}
