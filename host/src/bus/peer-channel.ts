import {
  KIND_ACK, KIND_CAPABILITIES, KIND_FRAGMENT, KIND_NACK, type EventHeader, type Priority,
} from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import {
  FLAG_VOLATILE, FLAG_WANTS_ACK, decodeEventFrame, encodeEventFrame, type EventFrame,
} from './wire/event-frame.js';
import { decodeHeader, encodeHeader } from './wire/header-cbor.js';
import {
  AckHeaderSchema, CAPABILITIES_VERSION, CapabilitiesHeaderSchema, FragmentHeaderSchema, NACK_MISSING, NackHeaderSchema,
  parseControlHeader, type CapabilitiesHeader,
} from './wire/control-headers.js';
import { SendScheduler } from './send-scheduler.js';
import { Reassembler, fragmentFrame } from './fragments.js';
import { InboundStream, MAX_VOLATILE_STREAMS, NOT_YET, type Refusal } from './inbound-streams.js';
import { outboundKindByte } from './kind-bytes.js';
import { BulkWindow } from './bulk-window.js';
import type { ChannelHost } from './channel-host.js';

/** Hex of a 16-byte stream id without copying it. */
function streamHexOf(stream: Uint8Array): string {
  return Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength).toString('hex');
}

/** In-flight durable events per session (rows taken from the queue, not yet acknowledged). */
export const DURABLE_WINDOW = 256;
const MIN_RTO_MS = 40;
const MAX_RTO_MS = 2000;
const TIMER_MS = 10;

/** The control stream: capabilities travel here. */
export const CONTROL_STREAM = new Uint8Array(16);
const CONTROL_STREAM_HEX = '0'.repeat(32);

/** One reliable event on its way: kept until acknowledged or refused. */
export interface OutEvent {
  readonly volatile: boolean;
  readonly stream: Uint8Array;
  readonly streamHex: string;
  readonly seq: number;
  readonly kind: string;
  readonly flags: number;
  readonly priority: Priority;
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
  readonly extensionId: string;
  readonly eventId: string;
  frames?: Uint8Array[];
  /** When it was first sent; monotonic in each stream's send order, which bounds the timer's scan. */
  firstSentAt: number;
  sentAt: number;
  tries: number;
  rto: number;
}

/** What a caller gives {@link PeerChannel.sendVolatile}. */
export type NewVolatileEvent = Omit<OutEvent, 'volatile' | 'seq' | 'firstSentAt' | 'sentAt' | 'tries' | 'rto' | 'frames'>;

/**
 * The bus inside one live session: sends reliable events (durable ones from the outbound queue,
 * volatile ones from memory) with retransmit timers, receives in order with de-duplication, gap
 * NACKs and ACK-after-persist, and exchanges capabilities. See docs/wire/reliability.md.
 */
export class PeerChannel {
  readonly link: SessionLink;
  readonly peer: string;
  readonly #host: ChannelHost;
  readonly #scheduler: SendScheduler;
  readonly #reassembler = new Reassembler();
  /** `${'d'|'v'}${streamHex}` → seq → event, in send order. */
  readonly #out = new Map<string, Map<number, OutEvent>>();
  readonly #in = new Map<string, InboundStream>();
  readonly #volatileSeq = new Map<string, number>();
  readonly #unreliableSeq = new Map<string, number>();
  readonly #pendingAcks = new Set<string>();
  readonly #bulkWaiters: Array<() => void> = [];
  #durableInflight = 0;
  #bulkInflight = 0;
  readonly #bulkWindow = new BulkWindow();
  #srtt = 0;
  #rttvar = 0;
  #timer: NodeJS.Timeout | undefined;
  #acksScheduled = false;
  #closed = false;
  #peerCaps: CapabilitiesHeader | undefined;
  #readyAt = 0;
  /** Durable events taken from the queue whose third-party kind the peer has not announced yet. */
  #parked: OutEvent[] = [];
  #graceTimer: NodeJS.Timeout | undefined;
  /** Counters for diagnostics and tests. */
  readonly stats = { retransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 };

  constructor(link: SessionLink, host: ChannelHost) {
    this.link = link;
    this.peer = link.peer;
    this.#host = host;
    this.#scheduler = new SendScheduler((datagram) => link.send(datagram));
  }

  /** True once the peer's capabilities arrived (third-party kinds can be mapped, the queue drains). */
  get ready(): boolean {
    return this.#peerCaps !== undefined;
  }

  get peerCapabilities(): CapabilitiesHeader | undefined {
    return this.#peerCaps;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Flow-control state, for diagnostics and tests. */
  get flow() {
    return {
      bulkInflight: this.#bulkInflight, bulkWindow: this.#bulkWindow.size, bulkQueued: this.#scheduler.bulkQueued,
      durableInflight: this.#durableInflight, srttMs: this.#srtt, rttvarMs: this.#rttvar,
    };
  }

  /** Announce our capabilities (at open and after every change). */
  sendCapabilities(): void {
    if (this.#closed) return;
    const header = encodeHeader(this.#host.capabilities());
    this.#sendVolatile({
      stream: CONTROL_STREAM, streamHex: CONTROL_STREAM_HEX, kind: 'bus.capabilities', flags: 0,
      priority: 'control', header, payload: new Uint8Array(0), extensionId: '', eventId: '',
    });
  }

  // ------------------------------------------------------------------------------------------
  // Outbound
  // ------------------------------------------------------------------------------------------

  /** True when a bulk event can be sent now without waiting. */
  get hasBulkRoom(): boolean {
    return this.#closed || this.#bulkInflight < this.#bulkWindow.size;
  }

  /** Resolves when the bulk window has room (backpressure for bulk senders). */
  async bulkRoom(): Promise<void> {
    while (!this.#closed && this.#bulkInflight >= this.#bulkWindow.size) {
      await new Promise<void>((resolve) => this.#bulkWaiters.push(resolve));
    }
  }

  /** Send a volatile reliable event (reliable while this session lives). Returns its seq. */
  sendVolatile(event: NewVolatileEvent): number {
    return this.#sendVolatile(event);
  }

  #sendVolatile(event: NewVolatileEvent): number {
    const seq = (this.#volatileSeq.get(event.streamHex) ?? 0) + 1;
    this.#volatileSeq.set(event.streamHex, seq);
    const out: OutEvent = {
      volatile: true, stream: event.stream, streamHex: event.streamHex, seq, kind: event.kind,
      flags: event.flags | FLAG_WANTS_ACK | FLAG_VOLATILE, priority: event.priority, header: event.header,
      payload: event.payload, extensionId: event.extensionId, eventId: event.eventId, firstSentAt: 0, sentAt: 0, tries: 0, rto: this.#rto(),
    };
    if (event.priority === 'bulk') this.#bulkInflight++;
    this.#track(out);
    this.#transmit(out);
    return seq;
  }

  /** Send once, no ACK; returns the seq, or undefined when the kind cannot be mapped or the queue is full. */
  sendUnreliable(stream: Uint8Array, streamHex: string, kind: string, flags: number, priority: Priority, header: Uint8Array, payload: Uint8Array): number | undefined {
    if (this.#closed) return undefined;
    const byte = outboundKindByte(kind, this.#peerCaps?.kinds);
    if (byte === undefined) return undefined;
    const seq = ((this.#unreliableSeq.get(streamHex) ?? 0) + 1) >>> 0;
    this.#unreliableSeq.set(streamHex, seq);
    const frame: EventFrame = { stream, seq, kind: byte, flags, header, payload };
    for (const datagram of fragmentFrame(frame, encodeEventFrame(frame), this.link.maxPayload)) {
      if (!this.#scheduler.push(priority, datagram, true)) return undefined;
    }
    return seq;
  }

  /** Take pending durable rows for this peer from the queue while the window has room. */
  pumpDurable(): void {
    if (this.#closed || !this.ready) return;
    const room = DURABLE_WINDOW - this.#durableInflight;
    if (room <= 0) return;
    const rows = this.#host.store.takePending(this.#host.persona, this.peer, room);
    for (const row of rows) {
      let opened: { header: Uint8Array; payload: Uint8Array };
      try {
        opened = this.#host.openRow(row);
      } catch (error) {
        this.#host.log.error({ err: error, peer: this.peer, seq: row.seq }, 'bus: a queued event could not be opened; dropped');
        this.#host.store.deleteOne(this.#host.persona, this.peer, row.stream, row.seq);
        this.#host.failed(row.extensionId, { eventId: row.eventId, peer: this.peer, stream: row.stream, seq: row.seq, kind: row.kind, reason: 'unreadable' });
        continue;
      }
      const event: OutEvent = {
        volatile: false, stream: new Uint8Array(Buffer.from(row.stream, 'hex')), streamHex: row.stream, seq: row.seq,
        kind: row.kind, flags: row.flags | FLAG_WANTS_ACK, priority: (['control', 'interactive', 'bulk'] as const)[row.priority] ?? 'interactive',
        header: opened.header, payload: opened.payload, extensionId: row.extensionId, eventId: row.eventId,
        firstSentAt: 0, sentAt: 0, tries: 0, rto: this.#rto(),
      };
      if (outboundKindByte(event.kind, this.#peerCaps?.kinds) === undefined) {
        this.#park(event);
        continue;
      }
      this.#durableInflight++;
      this.#track(event);
      this.#transmit(event);
    }
  }

  /**
   * The peer has not announced this third-party kind (yet): its extensions may still be
   * activating, so wait `graceMs` after the session became ready for a capabilities update, then
   * refuse it locally with `kind-unknown`.
   */
  #park(event: OutEvent): void {
    if (performance.now() - this.#readyAt >= this.#host.graceMs) {
      this.#refuseUnknown(event);
      return;
    }
    this.#parked.push(event);
    this.#graceTimer ??= setTimeout(() => {
      this.#graceTimer = undefined;
      for (const parked of this.#parked.splice(0)) this.#refuseUnknown(parked);
      this.pumpDurable();
    }, this.#host.graceMs - (performance.now() - this.#readyAt));
  }

  #refuseUnknown(event: OutEvent): void {
    if (this.#closed) return;
    this.#host.store.deleteOne(this.#host.persona, this.peer, event.streamHex, event.seq);
    this.#host.nacked(event.extensionId, this.#report(event, 'kind-unknown'));
  }

  /** A capabilities update arrived: send what it made mappable. */
  #unpark(): void {
    const still: OutEvent[] = [];
    for (const event of this.#parked) {
      if (outboundKindByte(event.kind, this.#peerCaps?.kinds) === undefined) {
        still.push(event);
        continue;
      }
      this.#durableInflight++;
      this.#track(event);
      this.#transmit(event);
    }
    this.#parked = still;
  }

  #track(event: OutEvent): void {
    const key = (event.volatile ? 'v' : 'd') + event.streamHex;
    let map = this.#out.get(key);
    if (!map) this.#out.set(key, (map = new Map()));
    map.set(event.seq, event);
    this.#armTimer();
  }

  #transmit(event: OutEvent): void {
    if (!event.frames) {
      const byte = event.kind === 'bus.capabilities' ? KIND_CAPABILITIES : outboundKindByte(event.kind, this.#peerCaps?.kinds)!;
      const frame: EventFrame = { stream: event.stream, seq: event.seq, kind: byte, flags: event.flags, header: event.header, payload: event.payload };
      event.frames = fragmentFrame(frame, encodeEventFrame(frame), this.link.maxPayload);
    }
    event.sentAt = performance.now();
    if (event.tries === 0) event.firstSentAt = event.sentAt;
    event.tries++;
    for (const datagram of event.frames) this.#scheduler.push(event.priority, datagram);
  }

  #report(event: OutEvent, reason: string, message?: string) {
    return {
      eventId: event.eventId, peer: this.peer, stream: event.streamHex, seq: event.seq, kind: event.kind,
      reason, message: message ?? this.#host.nackMessage(reason, event.kind, event.header),
    };
  }

  #onAck(streamHex: string, volatile: boolean, upTo: number): void {
    const map = this.#out.get((volatile ? 'v' : 'd') + streamHex);
    const now = performance.now();
    const acked: OutEvent[] = [];
    let bulkAcked = 0;
    let bulkRtt: number | undefined;
    if (map) {
      for (const [seq, event] of map) {
        // Volatile seqs enter the map in order, so the first one above upTo ends the scan.
        if (seq > upTo) {
          if (volatile) break;
          continue;
        }
        map.delete(seq);
        acked.push(event);
        if (event.tries === 1) {
          this.#sampleRtt(now - event.sentAt);
          if (event.priority === 'bulk') bulkRtt = now - event.sentAt;
        }
        if (event.priority === 'bulk') bulkAcked++;
      }
    }
    if (volatile) {
      for (const event of acked) {
        if (event.priority === 'bulk') this.#bulkInflight--;
        if (event.extensionId) this.#host.delivered(event.extensionId, this.#delivery(event));
      }
      if (bulkAcked > 0) {
        this.#bulkWindow.onAck(bulkAcked, bulkRtt, now);
        this.#wakeBulk();
      }
      return;
    }
    // Durable: the queue rows are the truth (also after a restart, when nothing is in memory).
    const rows = this.#host.store.deleteUpTo(this.#host.persona, this.peer, streamHex, upTo);
    this.#durableInflight -= acked.length;
    for (const row of rows) {
      this.#host.delivered(row.extensionId, { eventId: row.eventId, peer: this.peer, stream: streamHex, seq: row.seq, kind: row.kind });
    }
    if (acked.length > 0) this.pumpDurable();
  }

  #onNack(streamHex: string, volatile: boolean, seqs: readonly number[], reason: string, message: string | undefined): void {
    const map = this.#out.get((volatile ? 'v' : 'd') + streamHex);
    if (reason === NACK_MISSING) {
      const now = performance.now();
      for (const seq of seqs) {
        const event = map?.get(seq);
        if (!event || now - event.sentAt < Math.max(2, this.#srtt / 2)) continue;
        this.stats.retransmits++;
        this.#transmit(event);
      }
      return;
    }
    let removed = 0;
    for (const seq of seqs) {
      const event = map?.get(seq);
      if (!event) continue;
      map!.delete(seq);
      removed++;
      if (volatile) {
        if (event.priority === 'bulk') {
          this.#bulkInflight--;
          this.#wakeBulk();
        }
      } else {
        this.#durableInflight--;
        this.#host.store.deleteOne(this.#host.persona, this.peer, streamHex, seq);
      }
      if (event.extensionId) this.#host.nacked(event.extensionId, this.#report(event, reason, message));
    }
    if (!volatile && removed > 0) this.pumpDurable();
  }

  #delivery(event: OutEvent) {
    return { eventId: event.eventId, peer: this.peer, stream: event.streamHex, seq: event.seq, kind: event.kind };
  }

  #wakeBulk(): void {
    while (this.#bulkWaiters.length > 0 && this.#bulkInflight < this.#bulkWindow.size) this.#bulkWaiters.shift()!();
  }

  #sampleRtt(sample: number): void {
    if (this.#srtt === 0) {
      this.#srtt = sample;
      this.#rttvar = sample / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - sample);
      this.#srtt = 0.875 * this.#srtt + 0.125 * sample;
    }
  }

  #rto(): number {
    if (this.#srtt === 0) return 200;
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.#srtt + 4 * this.#rttvar));
  }

  #armTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.#onTimer(), TIMER_MS);
    this.#timer.unref();
  }

  #onTimer(): void {
    const now = performance.now();
    let any = false;
    let bulkTimedOut = false;
    for (const map of this.#out.values()) {
      for (const event of map.values()) {
        any = true;
        // Everything after an event first sent less than MIN_RTO ago was sent even later: stop.
        if (event.tries > 0 && now - event.firstSentAt < MIN_RTO_MS) break;
        if (now - event.sentAt < event.rto) continue;
        // Bulk frames still waiting in the scheduler have not really been sent yet.
        if (event.priority === 'bulk' && this.#scheduler.bulkQueued > 0) continue;
        event.rto = Math.min(MAX_RTO_MS, event.rto * 2);
        if (event.priority === 'bulk') bulkTimedOut = true;
        this.stats.retransmits++;
        this.#transmit(event);
      }
    }
    if (bulkTimedOut) this.#bulkWindow.onTimeout(now);
    if (!any && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Inbound
  // ------------------------------------------------------------------------------------------

  /** One datagram from the session (already authenticated and decrypted). */
  onDatagram(datagram: Uint8Array): void {
    if (this.#closed) return;
    let frame: EventFrame;
    try {
      // No copy: links hand over a fresh buffer per datagram (the net layer's AEAD output is one),
      // so the views decodeEventFrame returns stay valid for handlers that keep the payload.
      frame = decodeEventFrame(datagram);
      if (frame.kind === KIND_FRAGMENT) {
        if (frame.flags & FLAG_WANTS_ACK && this.#isDuplicate(frame)) return;
        const { i, n } = parseControlHeader(FragmentHeaderSchema, decodeHeader(frame.header), 'fragment');
        const key = `${frame.flags & FLAG_VOLATILE}:${streamHexOf(frame.stream)}:${frame.seq}`;
        const whole = this.#reassembler.add(key, i, n, frame.payload);
        if (!whole) return;
        const inner = decodeEventFrame(whole);
        if (inner.seq !== frame.seq || inner.flags !== frame.flags || inner.kind === KIND_FRAGMENT ||
          Buffer.compare(inner.stream, frame.stream) !== 0) {
          throw new RangeError('fragments do not match their event');
        }
        frame = inner;
      }
    } catch (error) {
      this.stats.badFrames++;
      this.#host.log.debug({ err: error, peer: this.peer }, 'bus: bad frame dropped');
      return;
    }
    try {
      this.#onFrame(frame);
    } catch (error) {
      this.stats.badFrames++;
      this.#host.log.debug({ err: error, peer: this.peer }, 'bus: frame refused');
    }
  }

  #isDuplicate(frame: EventFrame): boolean {
    const state = this.#inbound(streamHexOf(frame.stream), (frame.flags & FLAG_VOLATILE) !== 0);
    if (frame.seq > state.hwm) return false;
    this.#scheduleAck(streamHexOf(frame.stream), (frame.flags & FLAG_VOLATILE) !== 0);
    return true;
  }

  #onFrame(frame: EventFrame): void {
    const streamHex = streamHexOf(frame.stream);
    const volatile = (frame.flags & FLAG_VOLATILE) !== 0;
    if (frame.kind === KIND_ACK) {
      const ack = parseControlHeader(AckHeaderSchema, decodeHeader(frame.header), 'ack');
      // Refusals first: an event they name is reported as refused, never as delivered.
      for (const [seq, reason] of ack.refused ?? []) {
        if (seq <= ack.upTo) this.#onNack(streamHex, volatile, [seq], reason, undefined);
      }
      this.#onAck(streamHex, volatile, ack.upTo);
      return;
    }
    if (frame.kind === KIND_NACK) {
      const nack = parseControlHeader(NackHeaderSchema, decodeHeader(frame.header), 'nack');
      this.#onNack(streamHex, volatile, nack.seqs, nack.reason, nack.message);
      return;
    }
    if ((frame.flags & FLAG_WANTS_ACK) === 0) {
      this.#dispatchUnreliable(frame, streamHex);
      return;
    }
    const state = this.#inbound(streamHex, volatile);
    const verdict = state.classify(frame.seq);
    if (verdict === 'duplicate') {
      this.stats.duplicates++;
      const refusal = state.refused.get(frame.seq);
      if (refusal) this.#sendNack(streamHex, volatile, [frame.seq], refusal.reason, refusal.message);
      this.#scheduleAck(streamHex, volatile);
      return;
    }
    if (verdict !== 'new') return;
    if (!state.hold(frame)) return;
    if (frame.seq > state.hwm + 1) {
      const missing = state.missingBefore(frame.seq, performance.now());
      if (missing.length > 0) {
        this.stats.gapNacks++;
        this.#sendNack(streamHex, volatile, missing, NACK_MISSING);
      }
    }
    this.#kick(streamHex, volatile, state);
  }

  #inbound(streamHex: string, volatile: boolean): InboundStream {
    // Durable receive state outlives sessions (the engine owns it), so an event whose handler is
    // still running when its session closes is never handed to the next session's channel twice.
    if (!volatile) return this.#host.durableInbound(this.peer, streamHex);
    let state = this.#in.get('v' + streamHex);
    if (!state) {
      if (this.#in.size >= MAX_VOLATILE_STREAMS) {
        // Forget the oldest idle stream (its events were all delivered, nothing waits).
        for (const [key, old] of this.#in) {
          if (old.idle) {
            this.#in.delete(key);
            break;
          }
        }
      }
      state = new InboundStream(0, this.#host.reorderBudget);
      this.#in.set('v' + streamHex, state);
    }
    return state;
  }

  /** Continue delivering a durable stream whose previous session ended mid-handler. */
  resumeDurable(streamHex: string): void {
    if (this.#closed) return;
    this.#scheduleAck(streamHex, false);
    this.#kick(streamHex, false, this.#host.durableInbound(this.peer, streamHex));
  }

  #kick(streamHex: string, volatile: boolean, state: InboundStream): void {
    const pending = this.#drain(streamHex, volatile, state);
    if (pending) pending.catch((error) => this.#host.log.error({ err: error, peer: this.peer }, 'bus: delivery stopped'));
  }

  /**
   * Deliver the stream's buffered events in order. Handlers that return synchronously are run in a
   * plain loop; the first one that returns a promise makes the rest of the pass asynchronous.
   */
  #drain(streamHex: string, volatile: boolean, state: InboundStream): void | Promise<void> {
    if (state.busy || this.#closed) return;
    for (let frame = state.takeNext(); frame; frame = state.takeNext()) {
      state.busy = true;
      let outcome: Refusal | undefined | Promise<Refusal | undefined>;
      try {
        outcome = this.#consume(frame, streamHex, volatile);
      } catch (error) {
        outcome = this.#dispatchFailed(error);
      }
      if (outcome instanceof Promise) return this.#finishAsync(outcome, frame, streamHex, volatile, state);
      if (outcome === NOT_YET) {
        // No handler yet, but this persona's extensions may still be activating: leave the event
        // unconsumed (not acknowledged); the sender's retransmit brings it back.
        state.busy = false;
        return;
      }
      if (!this.#finish(outcome, frame, streamHex, volatile, state)) return;
    }
  }

  async #finishAsync(
    pending: Promise<Refusal | undefined>, frame: EventFrame, streamHex: string, volatile: boolean, state: InboundStream,
  ): Promise<void> {
    let refusal: Refusal | undefined;
    try {
      refusal = await pending;
    } catch (error) {
      refusal = this.#dispatchFailed(error);
    }
    if (this.#finish(refusal, frame, streamHex, volatile, state)) await this.#drain(streamHex, volatile, state);
  }

  #dispatchFailed(error: unknown): Refusal {
    this.#host.log.error({ err: error, peer: this.peer }, 'bus: dispatch failed');
    return { reason: 'handler-failed', message: 'peer could not take the event' };
  }

  /** The handler is done with `frame`: persist the mark, acknowledge. False when this channel must stop. */
  #finish(refusal: Refusal | undefined, frame: EventFrame, streamHex: string, volatile: boolean, state: InboundStream): boolean {
    state.busy = false;
    if (volatile && this.#closed) return false;
    // The handler took it: persist the mark even if the session closed meanwhile.
    this.#host.hooks?.beforePersist?.(this.peer, streamHex, frame.seq);
    if (!volatile) this.#host.marks.set(this.#host.persona, this.peer, streamHex, frame.seq);
    state.advance(refusal);
    this.#host.hooks?.afterPersist?.(this.peer, streamHex, frame.seq);
    if (this.#closed) {
      this.#host.resumeInbound(this.peer, streamHex);
      return false;
    }
    if (refusal) this.#sendNack(streamHex, volatile, [frame.seq], refusal.reason, refusal.message);
    this.#scheduleAck(streamHex, volatile);
    return true;
  }

  #consume(frame: EventFrame, streamHex: string, volatile: boolean): Refusal | undefined | Promise<Refusal | undefined> {
    if (frame.kind === KIND_CAPABILITIES) {
      if (streamHex !== CONTROL_STREAM_HEX) return { reason: 'bad-header', message: 'capabilities outside the control stream' };
      this.#applyCapabilities(parseControlHeader(CapabilitiesHeaderSchema, decodeHeader(frame.header), 'capabilities'));
      return undefined;
    }
    const kind = this.#host.kindBytes.nameOf(frame.kind);
    if (kind === undefined || kind.startsWith('bus.')) {
      return { reason: 'kind-unknown', message: `peer does not know kind 0x${frame.kind.toString(16)}` };
    }
    let header: EventHeader;
    try {
      header = decodeHeader(frame.header);
    } catch {
      return { reason: 'bad-header', message: `peer refused a malformed ${kind} event` };
    }
    return this.#host.dispatch(this, { kind, frame, header, streamHex, reliable: true, volatile });
  }

  #dispatchUnreliable(frame: EventFrame, streamHex: string): void {
    const kind = this.#host.kindBytes.nameOf(frame.kind);
    if (kind === undefined || kind.startsWith('bus.')) return;
    let header: EventHeader;
    try {
      header = decodeHeader(frame.header);
    } catch {
      this.stats.badFrames++;
      return;
    }
    const outcome = this.#host.dispatch(this, { kind, frame, header, streamHex, reliable: false, volatile: false });
    if (outcome instanceof Promise) outcome.catch((error) => this.#dispatchFailed(error));
  }

  #applyCapabilities(caps: CapabilitiesHeader): void {
    if (caps.v !== CAPABILITIES_VERSION) return;
    if (this.#peerCaps && caps.rev <= this.#peerCaps.rev) return;
    const first = this.#peerCaps === undefined;
    this.#peerCaps = caps;
    if (first) {
      this.#readyAt = performance.now();
      this.#host.ready(this);
      this.pumpDurable();
    } else {
      this.#unpark();
    }
  }

  #scheduleAck(streamHex: string, volatile: boolean): void {
    this.#pendingAcks.add((volatile ? 'v' : 'd') + streamHex);
    if (this.#acksScheduled) return;
    this.#acksScheduled = true;
    setImmediate(() => {
      this.#acksScheduled = false;
      for (const key of this.#pendingAcks) {
        const volatileAck = key[0] === 'v';
        const hex = key.slice(1);
        const state = volatileAck ? this.#in.get(key) : this.#host.durableInbound(this.peer, hex);
        if (!state) continue;
        const refused = state.recentRefusals();
        this.#sendControl(hex, volatileAck, KIND_ACK, refused ? { upTo: state.hwm, refused } : { upTo: state.hwm });
      }
      this.#pendingAcks.clear();
    });
  }

  #sendNack(streamHex: string, volatile: boolean, seqs: number[], reason: string, message?: string): void {
    this.#sendControl(streamHex, volatile, KIND_NACK, message === undefined ? { seqs, reason } : { seqs, reason, message });
  }

  #sendControl(streamHex: string, volatile: boolean, kind: number, header: EventHeader): void {
    if (this.#closed) return;
    const datagram = encodeEventFrame({
      stream: new Uint8Array(Buffer.from(streamHex, 'hex')), seq: 0, kind, flags: volatile ? FLAG_VOLATILE : 0,
      header: encodeHeader(header), payload: new Uint8Array(0),
    });
    this.#scheduler.push('control', datagram);
  }

  /** Refuse an unreliable event visibly (rate-limited by the caller). */
  nackUnreliable(streamHex: string, seq: number, reason: string, message: string): void {
    this.#sendNack(streamHex, false, [seq], reason, message);
  }

  // ------------------------------------------------------------------------------------------
  // Close
  // ------------------------------------------------------------------------------------------

  /** The session ended: durable rows go back to pending, volatile events fail, waiters wake. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#parked = [];
    this.#scheduler.close();
    this.#host.store.revertInflight(this.#host.persona, this.peer);
    for (const [key, map] of this.#out) {
      if (key[0] !== 'v') continue;
      for (const event of map.values()) {
        if (event.extensionId) this.#host.failed(event.extensionId, { ...this.#delivery(event), reason: 'session-closed' });
      }
    }
    this.#out.clear();
    for (const state of this.#in.values()) state.clear();
    this.#in.clear();
    for (const wake of this.#bulkWaiters.splice(0)) wake();
  }
}
