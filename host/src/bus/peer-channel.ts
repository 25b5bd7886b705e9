import {
  KIND_ACK, KIND_CAPABILITIES, KIND_FRAGMENT, KIND_NACK, type EventHeader, type Priority,
} from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import {
  FLAG_VOLATILE, FLAG_WANTS_ACK, decodeEventFrame, encodeEventFrame, type EventFrame,
} from './wire/event-frame.js';
import { decodeHeader, encodeHeader } from './wire/header-cbor.js';
import {
  CAPABILITIES_VERSION, CapabilitiesHeaderSchema, NACK_MISSING, NackHeaderSchema,
  encodeAckHeader, parseAckHeader, parseControlHeader, parseFragmentHeader, type CapabilitiesHeader,
} from './wire/control-headers.js';
import { SendScheduler } from './send-scheduler.js';
import { Reassembler } from './fragments.js';
import { InboundStream, MAX_VOLATILE_STREAMS, NOT_YET, type Refusal } from './inbound-streams.js';
import { isDiskFull } from '../storage/disk-full.js';
import { OutboundFlow, type ChannelStats, type NewVolatileEvent } from './outbound-flow.js';
import type { ChannelHost } from './channel-host.js';

/** Hex of a 16-byte stream id without copying it. */
function streamHexOf(stream: Uint8Array): string {
  return Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength).toString('hex');
}

/**
 * Remembers the hex of the last stream id seen: a bulk transfer sends thousands of datagrams on
 * one stream in a row, so most lookups are a 16-byte compare instead of a new string.
 */
class StreamHexCache {
  readonly #bytes = new Uint8Array(16);
  #hex = '';

  of(stream: Uint8Array): string {
    const last = this.#bytes;
    if (this.#hex !== '') {
      let same = true;
      for (let i = 0; i < 16; i++) {
        if (stream[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#hex;
    }
    last.set(stream);
    return (this.#hex = streamHexOf(stream));
  }
}

const NO_BYTES = new Uint8Array(0);

/** Consumed event bytes that send the pending ACKs at once rather than at the end of the turn. */
export const EAGER_ACK_BYTES = 64 * 1024;

/** The control stream: capabilities travel here. */
export const CONTROL_STREAM = new Uint8Array(16);
const CONTROL_STREAM_HEX = '0'.repeat(32);

/**
 * The bus inside one live session: receives in order with de-duplication, gap NACKs and
 * ACK-after-persist, exchanges capabilities, and hands sending to its {@link OutboundFlow}.
 * See docs/wire/reliability.md.
 */
export class PeerChannel {
  readonly link: SessionLink;
  readonly peer: string;
  readonly #host: ChannelHost;
  readonly #scheduler: SendScheduler;
  readonly #reassembler = new Reassembler();
  readonly #outbound: OutboundFlow;
  /** Volatile receive state by `v${streamHex}` (durable state belongs to the engine). */
  readonly #in = new Map<string, InboundStream>();
  readonly #pendingAcks = new Set<string>();
  /** Durable streams to ACK, and refusals to send, once the next WAL sync is done. */
  readonly #pendingDurableAcks = new Set<string>();
  /**
   * Per durable stream, the newest ACK read and the sync it waits for. Replies are read as each
   * task's handlers finish, so a burst of events in separate datagrams yields many; those waiting
   * for the same sync send only the newest (one datagram, not one per event).
   */
  readonly #newestDurableAck = new Map<string, { readonly sync: Promise<void> }>();
  readonly #pendingDurableNacks: Array<() => void> = [];
  #durableRepliesScheduled = false;
  readonly #streamHex = new StreamHexCache();
  #acksScheduled = false;
  /** Bytes of events consumed since the last ACKs went out. */
  #unackedBytes = 0;
  #closed = false;
  /** The peer is no longer a friend: nothing it sends is taken; replies already due still leave. */
  #deaf = false;
  #peerCaps: CapabilitiesHeader | undefined;
  #readyAt = 0;
  /** Counters for diagnostics and tests. */
  readonly stats: ChannelStats = { retransmits: 0, fragmentRetransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 };

  constructor(link: SessionLink, host: ChannelHost) {
    this.link = link;
    this.peer = link.peer;
    this.#host = host;
    this.#scheduler = new SendScheduler((head, tail) => link.send(head, tail));
    this.#outbound = new OutboundFlow({
      host, peer: link.peer, scheduler: this.#scheduler, stats: this.stats,
      // Read per cut: a session's size changes when a path MTU probe confirms more, or falls back.
      get maxPayload() {
        return link.maxPayload;
      },
      peerKinds: () => this.#peerCaps?.kinds,
      ready: () => this.#peerCaps !== undefined,
      readyAt: () => this.#readyAt,
    });
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

  /**
   * The peer stopped being a friend: from now on its datagrams are dropped unread, so it can no
   * longer deliver anything, while this side's ACKs already due (such as the one for the event that
   * ended the friendship) still go out until the session closes.
   */
  stopReceiving(): void {
    this.#deaf = true;
  }

  /** Flow-control state, for diagnostics and tests. */
  get flow() {
    return this.#outbound.flow;
  }

  /** Announce our capabilities (at open and after every change). */
  sendCapabilities(): void {
    if (this.#closed) return;
    const header = encodeHeader(this.#host.capabilities());
    this.#outbound.sendVolatile({
      stream: CONTROL_STREAM, streamHex: CONTROL_STREAM_HEX, kind: 'bus.capabilities', flags: 0,
      priority: 'control', header, payload: new Uint8Array(0), extensionId: '', eventId: '',
    });
  }

  // ------------------------------------------------------------------------------------------
  // Outbound
  // ------------------------------------------------------------------------------------------

  /** True when a bulk event can be sent now without waiting. */
  get hasBulkRoom(): boolean {
    return this.#outbound.hasBulkRoom;
  }

  /** Resolves when the bulk window has room (backpressure for bulk senders). */
  bulkRoom(): Promise<void> {
    return this.#outbound.bulkRoom();
  }

  /** Send a volatile reliable event (reliable while this session lives). Returns its seq. */
  sendVolatile(event: NewVolatileEvent): number {
    return this.#outbound.sendVolatile(event);
  }

  /** Send once, no ACK; returns the seq, or undefined when the kind cannot be mapped or the queue is full. */
  sendUnreliable(
    stream: Uint8Array, streamHex: string, kind: string, flags: number, priority: Priority, header: Uint8Array, payload: Uint8Array,
    extensionId: string,
  ): number | undefined {
    if (this.#closed) return undefined;
    return this.#outbound.sendUnreliable(stream, streamHex, kind, flags, priority, header, payload, extensionId);
  }

  /** Take pending durable rows for this peer from the queue while the window has room. */
  pumpDurable(): void {
    this.#outbound.pumpDurable();
  }

  // ------------------------------------------------------------------------------------------
  // Inbound
  // ------------------------------------------------------------------------------------------

  /** One datagram from the session (already authenticated and decrypted). */
  onDatagram(datagram: Uint8Array): void {
    if (this.#closed || this.#deaf) return;
    let frame: EventFrame;
    try {
      // No copy: links hand over a fresh buffer per datagram (the net layer's AEAD output is one),
      // so the views decodeEventFrame returns stay valid for handlers that keep the payload.
      frame = decodeEventFrame(datagram);
      if (frame.kind === KIND_FRAGMENT) {
        const streamHex = this.#streamHex.of(frame.stream);
        if (frame.flags & FLAG_WANTS_ACK && this.#isDuplicate(frame, streamHex)) return;
        const { i, n } = parseFragmentHeader(frame.header);
        const key = `${frame.flags & FLAG_VOLATILE}:${streamHex}:${frame.seq}`;
        const whole = this.#reassembler.add(key, i, n, frame.payload);
        if (!whole) {
          // The last piece came and some before it did not: ask for those now (fragments leave in
          // order), rather than wait for a later event's gap or the sender's timeout.
          if (i === n - 1 && frame.flags & FLAG_WANTS_ACK) this.#nackLostPieces(streamHex, frame.flags & FLAG_VOLATILE, frame.seq, key);
          return;
        }
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

  #isDuplicate(frame: EventFrame, streamHex: string): boolean {
    const state = this.#inbound(streamHex, (frame.flags & FLAG_VOLATILE) !== 0);
    if (frame.seq > state.hwm) return false;
    this.#scheduleAck(streamHex, (frame.flags & FLAG_VOLATILE) !== 0);
    return true;
  }

  #onFrame(frame: EventFrame): void {
    const streamHex = this.#streamHex.of(frame.stream);
    const volatile = (frame.flags & FLAG_VOLATILE) !== 0;
    if (frame.kind === KIND_ACK) {
      const ack = parseAckHeader(frame.header);
      // Refusals first: an event they name is reported as refused, never as delivered.
      for (const [seq, reason] of ack.refused ?? []) {
        if (seq <= ack.upTo) this.#outbound.onNack(streamHex, volatile, [seq], reason, undefined);
      }
      this.#outbound.onAck(streamHex, volatile, ack.upTo);
      return;
    }
    if (frame.kind === KIND_NACK) {
      const nack = parseControlHeader(NackHeaderSchema, decodeHeader(frame.header), 'nack');
      if (nack.unreliable) this.#outbound.onUnreliableNack(streamHex, nack.seqs[0]!, nack.reason, nack.message);
      else this.#outbound.onNack(streamHex, volatile, nack.seqs, nack.reason, nack.message, nack.frags);
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
      // A retransmit after a lost NACK gets the refusal again, once a second at most: replaying a
      // refused event in a loop drew a NACK (and an ACK listing refusals) per copy, ~20 bytes out per byte in.
      const now = performance.now();
      if (refusal && state.mayRepeatRefusal(frame.seq, now)) this.#refuse(streamHex, volatile, frame.seq, refusal);
      // Its ACK was lost: ACK again, but not once per copy of a replayed event.
      if (state.mayAckDuplicate(now)) this.#scheduleAck(streamHex, volatile);
      return;
    }
    if (verdict === 'buffered') {
      // A held event came again: its sender is repeating what follows a gap it has not filled, so
      // the gap's NACK (or the repeat it asked for) was lost. Name the gap again (each seq at most
      // once per GAP_NACK_INTERVAL_MS): waiting for the sender's timeouts alone repeats the same
      // events in the same order each time, and a path that loses every n-th datagram can then
      // lose the same one every time.
      this.stats.duplicates++;
      this.#nackGapBefore(streamHex, frame, state);
      return;
    }
    if (verdict !== 'new') return;
    if (!state.hold(frame)) return;
    if (frame.seq > state.hwm + 1) this.#nackGapBefore(streamHex, frame, state);
    this.#kick(streamHex, volatile, state);
  }

  /** NACK the seqs missing before `frame` (those not NACKed in the last GAP_NACK_INTERVAL_MS). */
  #nackGapBefore(streamHex: string, frame: EventFrame, state: InboundStream): void {
    const missing = state.missingBefore(frame.seq, performance.now());
    if (missing.length === 0) return;
    this.stats.gapNacks++;
    this.#sendMissing(streamHex, frame.flags & FLAG_VOLATILE, missing);
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
      state = new InboundStream(0, this.#host.reorderBudgetFor(this.peer));
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
      // The mark is a write: it waits for a transaction an extension holds (HostWrites).
      if (!volatile && this.#host.writes.mustWait) return this.#finishAsync(Promise.resolve(outcome), frame, streamHex, volatile, state);
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
    if (refusal === NOT_YET) {
      // Not taken (the disk is full): no mark, no ACK; the sender's retransmit brings it back.
      state.busy = false;
      return;
    }
    const finish = () => this.#finish(refusal, frame, streamHex, volatile, state);
    const proceed = volatile ? finish() : await this.#host.writes.run(finish);
    if (proceed) await this.#drain(streamHex, volatile, state);
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
    if (!volatile) {
      try {
        this.#host.marks.set(this.#host.persona, this.peer, streamHex, frame.seq, refusal);
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        // The handler stored the event, but its mark found no room: unacknowledged, the sender
        // sends it again, and the handler sees it twice (its (peer, stream, seq) tells it so).
        this.#host.log.error({ peer: this.peer }, 'bus: the disk is full; a receive mark was not stored');
        return false;
      }
    }
    state.advance(refusal);
    this.#host.hooks?.afterPersist?.(this.peer, streamHex, frame.seq);
    if (this.#closed) {
      this.#host.resumeInbound(this.peer, streamHex);
      return false;
    }
    if (refusal) this.#refuse(streamHex, volatile, frame.seq, refusal);
    this.#scheduleAck(streamHex, volatile, frame.payload.length);
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
    const previous = this.#peerCaps;
    this.#peerCaps = caps;
    if (previous === undefined) {
      this.#readyAt = performance.now();
      this.#host.ready(this);
      this.#outbound.pumpDurable();
    } else {
      this.#outbound.unpark();
      this.#host.capabilitiesChanged(this, previous);
    }
  }

  /**
   * A durable stream's ACK waits for the WAL sync ({@link #scheduleDurableReplies}). A volatile
   * one waits for the end of the event-loop turn, so one answers a whole burst; `consumed` bytes
   * of events taken since the last ACK send it at once when they reach {@link EAGER_ACK_BYTES}:
   * a burst of large bulk events (a few 64 KiB datagrams) is then acknowledged as it is consumed,
   * and the sender refills while the rest is handled, instead of both sides taking turns.
   */
  #scheduleAck(streamHex: string, volatile: boolean, consumed = 0): void {
    if (!volatile) {
      this.#pendingDurableAcks.add(streamHex);
      this.#scheduleDurableReplies();
      return;
    }
    this.#pendingAcks.add('v' + streamHex);
    this.#unackedBytes += consumed;
    if (this.#unackedBytes >= EAGER_ACK_BYTES) {
      this.#sendAcks();
      return;
    }
    if (this.#acksScheduled) return;
    this.#acksScheduled = true;
    setImmediate(() => {
      this.#acksScheduled = false;
      this.#sendAcks();
    });
  }

  #sendAcks(): void {
    this.#unackedBytes = 0;
    for (const key of this.#pendingAcks) {
      const state = this.#in.get(key);
      if (state) this.#sendControl(key.slice(1), true, KIND_ACK, ackHeader(state));
    }
    this.#pendingAcks.clear();
  }

  /** A refused event: NACK it with its reason (a durable stream's once the refusal is on disk). */
  #refuse(streamHex: string, volatile: boolean, seq: number, refusal: Refusal): void {
    if (volatile) {
      this.#sendNack(streamHex, true, [seq], refusal.reason, refusal.message);
      return;
    }
    this.#pendingDurableNacks.push(() => this.#sendNack(streamHex, false, [seq], refusal.reason, refusal.message));
    this.#scheduleDurableReplies();
  }

  /**
   * ACK-after-persist. An ACK or refusal on a durable stream tells the sender its event is stored
   * (the sender then deletes its copy), so it goes out only once the marks written before it are
   * on disk. Commits do not fsync on the event loop (wal-sync.ts): the replies of one task wait
   * for one WAL sync on the thread pool while the loop goes on, and each ACK carries the mark
   * read before that sync began, never a later one. The sync is asked for as soon as the task's
   * handlers are done (a microtask), not at the end of the loop's turn: while a file arrives a
   * turn holds many datagrams, and waiting for its end added ~9 ms to a chat message's ACK.
   */
  #scheduleDurableReplies(): void {
    if (this.#durableRepliesScheduled) return;
    this.#durableRepliesScheduled = true;
    queueMicrotask(() => {
      this.#durableRepliesScheduled = false;
      const sync = this.#host.writes.durable();
      const replies = this.#pendingDurableNacks.splice(0);
      for (const hex of this.#pendingDurableAcks) {
        const header = ackHeader(this.#host.durableInbound(this.peer, hex));
        const snapshot = { sync };
        this.#newestDurableAck.set(hex, snapshot);
        replies.push(() => {
          // A later snapshot of this stream that waited for the same sync sends a newer ACK now.
          const newest = this.#newestDurableAck.get(hex);
          if (newest !== snapshot && newest?.sync === sync) return;
          if (newest === snapshot) this.#newestDurableAck.delete(hex);
          this.#sendControl(hex, false, KIND_ACK, header);
        });
      }
      this.#pendingDurableAcks.clear();
      sync.then(
        () => replies.forEach((send) => send()),
        // Unanswered, the sender repeats the events; the next reply waits for the next sync.
        (error: unknown) => this.#host.log.error({ err: error, peer: this.peer }, 'bus: syncing receive marks failed; replies held'),
      );
    });
  }


  /**
   * A gap NACK; for events of which some fragments arrived it names the lacking ones (`frags`),
   * so the sender repeats those datagrams, not the whole event (docs/wire/nack.md).
   */
  #sendMissing(streamHex: string, volatileFlag: number, seqs: number[]): void {
    const frags = seqs.map((seq) => this.#reassembler.lacking(`${volatileFlag}:${streamHex}:${seq}`) ?? null);
    const header = frags.some((f) => f !== null && f.length > 0)
      ? { seqs, reason: NACK_MISSING, frags: frags.map((f) => (f && f.length > 0 ? f : null)) }
      : { seqs, reason: NACK_MISSING };
    this.#sendControl(streamHex, volatileFlag !== 0, KIND_NACK, header);
  }

  #nackLostPieces(streamHex: string, volatileFlag: number, seq: number, key: string): void {
    const lacking = this.#reassembler.lackingAfterLastPiece(key);
    if (!lacking || lacking.length === 0) return;
    this.stats.gapNacks++;
    this.#sendControl(streamHex, volatileFlag !== 0, KIND_NACK, { seqs: [seq], reason: NACK_MISSING, frags: [lacking] });
  }

  #sendNack(streamHex: string, volatile: boolean, seqs: number[], reason: string, message?: string): void {
    this.#sendControl(streamHex, volatile, KIND_NACK, message === undefined ? { seqs, reason } : { seqs, reason, message });
  }

  /** Send a control frame; `header` is an encoded CBOR header or a plain one to encode. */
  #sendControl(streamHex: string, volatile: boolean, kind: number, header: EventHeader | Uint8Array): void {
    if (this.#closed) return;
    const datagram = encodeEventFrame({
      stream: Buffer.from(streamHex, 'hex'), seq: 0, kind, flags: volatile ? FLAG_VOLATILE : 0,
      header: header instanceof Uint8Array ? header : encodeHeader(header), payload: NO_BYTES,
    });
    this.#scheduler.push('control', datagram);
  }

  /** Refuse an unreliable event visibly (rate-limited by the caller). */
  nackUnreliable(streamHex: string, seq: number, reason: string, message: string): void {
    this.#sendControl(streamHex, false, KIND_NACK, { seqs: [seq], reason, message, unreliable: true });
  }

  // ------------------------------------------------------------------------------------------
  // Close
  // ------------------------------------------------------------------------------------------

  /** The session ended: durable rows go back to pending, volatile events fail, waiters wake. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.close();
    this.#outbound.close();
    for (const state of this.#in.values()) state.clear();
    this.#in.clear();
    this.#reassembler.clear();
  }
}

/** An ACK's header: the stream's high-water mark, with its recent refusals if any. */
function ackHeader(state: InboundStream): Uint8Array {
  const refused = state.recentRefusals();
  return refused ? encodeHeader({ upTo: state.hwm, refused }) : encodeAckHeader(state.hwm);
}
