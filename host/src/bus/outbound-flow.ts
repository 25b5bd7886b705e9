import { KIND_CAPABILITIES, type Priority } from '@kith/sdk';
import { FLAG_VOLATILE, FLAG_WANTS_ACK, encodeEventFrame, type EventFrame } from './wire/event-frame.js';
import { NACK_MISSING } from './wire/control-headers.js';
import { datagramBytes, type BulkSource, type Datagram, type SendScheduler } from './send-scheduler.js';
import { cutEvent, fragmentFrame } from './fragments.js';
import { outboundKindByte } from './kind-bytes.js';
import { BulkWindow } from './bulk-window.js';
import type { ChannelHost } from './channel-host.js';
import type { OutboundRow } from './outbound-store.js';

/** In-flight durable events per session (rows taken from the queue, not yet acknowledged). */
export const DURABLE_WINDOW = 256;
const MIN_RTO_MS = 40;
const BULK_MIN_RTO_MS = 200;
const MAX_RTO_MS = 2000;
/**
 * A timed-out event's next timeout is stretched by up to this share, at random. Events repeated
 * in one tick would otherwise stay in step for ever (at the cap, all of them every 2 s, in the
 * same order), and a path that loses every n-th datagram could lose the same one every time.
 */
const RTO_JITTER = 0.25;
const TIMER_MS = 10;
/** How soon a pump whose queue could not be read or marked tries again. */
const PUMP_RETRY_MS = 1000;
/**
 * A piece repeated for a NACK is repeated again for a later NACK only this long after (or the
 * RTT when longer): an answer to the first repeat cannot come sooner than a round trip, and a
 * peer repeating the same NACK must not draw the pieces again each time (docs/wire/nack.md).
 */
const PIECE_REPEAT_MS = MIN_RTO_MS;
/** A piece is repeated for a NACK no sooner than this after it was sent (it might still be in the socket). */
const PIECE_FIRST_REPEAT_MS = 2;
const MAX_UNRELIABLE_STREAMS = 1024;
/**
 * Bulk events that may wait for the window before `send` makes the caller wait: enough that a
 * sender refilling once per event-loop turn never lets the window run dry.
 */
const BULK_QUEUE_LIMIT = 64;
/**
 * Bulk events that may be in flight whatever the window says. A 64 KiB event is ~57 base-size
 * datagrams, so a window cut to its floor would otherwise allow one event per round trip: the
 * sender would idle while each ACK crosses. A few events keep the path busy; the interactive
 * datagrams still go first (the scheduler's order) and wait at most behind these.
 */
export const MIN_BULK_EVENTS_IN_FLIGHT = 4;
/**
 * The bulk window counts bytes, in units of one base-size datagram's payload: a session whose
 * path MTU probe confirmed 64 KiB datagrams keeps the same bytes in flight (and in the peer's
 * socket buffer) as one at 1232 bytes, not 50 times more.
 */
export const BULK_UNIT_BYTES = 1200;

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
  /** The sender's correlation tag, handed back in this event's reports. */
  readonly tag?: string;
  frames?: Datagram[];
  /** The peer's byte for `kind`, fixed at the first cut (a later cut, after a path MTU fall back, reuses it). */
  kindByte?: number;
  /** The payload size `frames` were cut for: a smaller one now (the path fell back) means cutting again. */
  cutFor?: number;
  /** Bytes of its frames counted in the bulk window while in flight (bulk only). */
  bulkBytes?: number;
  /**
   * When each of `frames` was last sent (fragmented events only), and whether it was repeated for
   * a NACK since the event was last sent whole: bounds how often NACKs may repeat each piece.
   */
  pieceSentAt?: Float64Array;
  pieceRepeated?: Uint8Array;
  /** When a NACK last made it repeat the whole event (the same bound as for pieces). */
  nackRepeatAt?: number;
  /** When it was first sent; monotonic in each stream's send order, which bounds the timer's scan. */
  firstSentAt: number;
  sentAt: number;
  tries: number;
  rto: number;
}

/** `{ tag }` when there is one: reports without a tag have no `tag` key at all. */
export function tagged(tag: string | undefined): { tag?: string } {
  return tag === undefined ? {} : { tag };
}

/** What a caller gives {@link OutboundFlow.sendVolatile}. */
export type NewVolatileEvent = Omit<OutEvent, 'volatile' | 'seq' | 'firstSentAt' | 'sentAt' | 'tries' | 'rto' | 'frames' | 'kindByte'>;

/** Counters a session keeps for diagnostics and tests. */
export interface ChannelStats {
  retransmits: number;
  /** Of {@link retransmits}: those that repeated only the fragments a gap NACK named. */
  fragmentRetransmits: number;
  badFrames: number;
  duplicates: number;
  gapNacks: number;
}

/** What the outbound half needs from its session. */
export interface OutboundContext {
  readonly host: ChannelHost;
  readonly peer: string;
  readonly maxPayload: number;
  readonly scheduler: SendScheduler;
  readonly stats: ChannelStats;
  /** The peer's third-party kind table (from its capabilities), undefined before they arrived. */
  peerKinds(): Readonly<Record<string, number>> | undefined;
  /** True once the peer's capabilities arrived. */
  ready(): boolean;
  /** performance.now() when the session became ready. */
  readyAt(): number;
}

/**
 * The sending half of one session: durable events from the outbound queue and volatile ones from
 * memory, each kept until acknowledged or refused, with retransmit timers (RFC 6298-style RTO),
 * gap repair, the bulk window, and parking of third-party kinds the peer has not announced yet.
 */
export class OutboundFlow implements BulkSource {
  readonly #ctx: OutboundContext;
  /** A pump waits for a transaction an extension holds (HostWrites). */
  #pumpWaiting = false;
  /** `${'d'|'v'}${streamHex}` → seq → event, in send order. */
  readonly #out = new Map<string, Map<number, OutEvent>>();
  readonly #volatileSeq = new Map<string, number>();
  readonly #unreliableSeq = new Map<string, number>();
  /** Who last sent unreliable events on a stream, so a refusal reaches that extension. */
  readonly #unreliableSenders = new Map<string, { extensionId: string; kind: string }>();
  readonly #bulkWaiters: Array<() => void> = [];
  readonly #bulkWindow = new BulkWindow();
  /** Bulk events accepted but not yet sent (about {@link BULK_QUEUE_LIMIT}): they leave as the window opens. */
  readonly #bulkFresh: OutEvent[] = [];
  #durableInflight = 0;
  /** Bytes of bulk events sent and not yet acknowledged or refused, in {@link BULK_UNIT_BYTES} (what the window bounds). */
  #bulkInflight = 0;
  /** Bulk events sent and not yet acknowledged or refused (see {@link MIN_BULK_EVENTS_IN_FLIGHT}). */
  #bulkEventsInflight = 0;
  #srtt = 0;
  #rttvar = 0;
  /** The newest RTT sample (ms), 0 before any. */
  #latestRtt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Durable events taken from the queue whose third-party kind the peer has not announced yet. */
  #parked: OutEvent[] = [];
  #graceTimer: NodeJS.Timeout | undefined;
  /** A pump whose queue could not be read or marked tries again once this fires. */
  #pumpRetry: NodeJS.Timeout | undefined;

  constructor(ctx: OutboundContext) {
    this.#ctx = ctx;
    ctx.scheduler.bulkSource = this;
  }

  /** Flow-control state, for diagnostics and tests. */
  get flow() {
    return {
      bulkInflightBytes: Math.round(this.#bulkInflight * BULK_UNIT_BYTES), bulkWindowBytes: this.#bulkWindow.size * BULK_UNIT_BYTES, bulkQueued: this.#bulkFresh.length + this.#ctx.scheduler.bulkQueued,
      durableInflight: this.#durableInflight, srttMs: this.#srtt, rttvarMs: this.#rttvar, latestRttMs: this.#latestRtt,
    };
  }

  /** True when a bulk event can be accepted now without waiting. */
  get hasBulkRoom(): boolean {
    return this.#closed || this.#bulkFresh.length < BULK_QUEUE_LIMIT;
  }

  /** Resolves when the bulk queue has room (backpressure for bulk senders). */
  async bulkRoom(): Promise<void> {
    while (!this.hasBulkRoom) {
      await new Promise<void>((resolve) => this.#bulkWaiters.push(resolve));
    }
  }

  /** {@link BulkSource}: a fresh bulk event is waiting and the window has room for it. */
  get bulkReady(): boolean {
    return !this.#closed && this.#bulkFresh.length > 0
      && (this.#bulkInflight < this.#bulkWindow.size || this.#bulkEventsInflight < MIN_BULK_EVENTS_IN_FLIGHT);
  }

  /** {@link BulkSource}: send fresh bulk events while the window has room, up to `budget` bytes. */
  pullBulk(budget: number): number {
    let sent = 0;
    while (sent < budget && this.bulkReady) {
      const event = this.#bulkFresh.shift()!;
      // The peer may have turned the kind's extension off while the event waited for the window.
      if (!this.#mappable(event)) {
        this.#refuseVolatile(event);
        continue;
      }
      const bytes = this.#transmit(event, true);
      event.bulkBytes = bytes;
      this.#bulkInflight += bytes / BULK_UNIT_BYTES;
      this.#bulkEventsInflight++;
      sent += bytes;
    }
    this.#wakeBulk();
    return sent;
  }

  /** Send a volatile reliable event (reliable while this session lives). Returns its seq. */
  sendVolatile(event: NewVolatileEvent): number {
    const seq = (this.#volatileSeq.get(event.streamHex) ?? 0) + 1;
    this.#volatileSeq.set(event.streamHex, seq);
    const out: OutEvent = {
      volatile: true, stream: event.stream, streamHex: event.streamHex, seq, kind: event.kind,
      flags: event.flags | FLAG_WANTS_ACK | FLAG_VOLATILE, priority: event.priority, header: event.header,
      // Our own copy (the one copy a payload gets before sealing; its datagrams are views of it):
      // a bulk event may wait for the window, every event for its ACK, and the SDK lets the
      // caller reuse its buffer as soon as send returns.
      payload: Uint8Array.prototype.slice.call(event.payload), extensionId: event.extensionId, eventId: event.eventId, ...(event.tag === undefined ? {} : { tag: event.tag }),
      firstSentAt: 0, sentAt: 0, tries: 0, rto: this.#initialRto(event.priority),
    };
    if (!this.#mappable(out)) {
      // The peer has no byte for this kind (its extension is off there): refused here, as the
      // peer would, and reported after send returns its receipt.
      setImmediate(() => this.#refuseVolatile(out));
      return seq;
    }
    this.#track(out);
    if (event.priority === 'bulk') {
      // Leaves when the window has room: its round trip is timed from then (see BulkWindow).
      this.#bulkFresh.push(out);
      this.#ctx.scheduler.wake();
    } else {
      this.#transmit(out);
    }
    return seq;
  }

  /** Whether `event` can be framed for this peer: a byte fixed at its first cut, or one the peer announces now. */
  #mappable(event: OutEvent): boolean {
    return event.kindByte !== undefined || event.kind === 'bus.capabilities' || outboundKindByte(event.kind, this.#ctx.peerKinds()) !== undefined;
  }

  /** A volatile event the peer cannot take (its kind is not announced): dropped, reported `kind-unknown`. */
  #refuseVolatile(event: OutEvent): void {
    if (this.#closed) return;
    this.#out.get('v' + event.streamHex)?.delete(event.seq);
    if (event.extensionId) this.#ctx.host.report({ extensionId: event.extensionId, outcome: 'nacked', report: this.#report(event, 'kind-unknown') });
  }

  /** Send once, no ACK; returns the seq, or undefined when the kind cannot be mapped or the queue is full. */
  sendUnreliable(
    stream: Uint8Array, streamHex: string, kind: string, flags: number, priority: Priority, header: Uint8Array, payload: Uint8Array,
    extensionId: string,
  ): number | undefined {
    if (this.#closed) return undefined;
    const byte = outboundKindByte(kind, this.#ctx.peerKinds());
    if (byte === undefined) return undefined;
    const seq = ((this.#unreliableSeq.get(streamHex) ?? 0) + 1) >>> 0;
    this.#unreliableSeq.set(streamHex, seq);
    this.#unreliableSenders.set(streamHex, { extensionId, kind });
    if (this.#unreliableSenders.size > MAX_UNRELIABLE_STREAMS) this.#unreliableSenders.delete(this.#unreliableSenders.keys().next().value as string);
    const frame: EventFrame = { stream, seq, kind: byte, flags, header, payload };
    for (const datagram of fragmentFrame(frame, encodeEventFrame(frame), this.#maxPayload())) {
      if (!this.#ctx.scheduler.push(priority, datagram, true)) return undefined;
    }
    return seq;
  }

  /** Take pending durable rows for this peer from the queue while the window has room. */
  pumpDurable(): void {
    if (this.#closed || !this.#ctx.ready()) return;
    const room = DURABLE_WINDOW - this.#durableInflight;
    if (room <= 0) return;
    if (this.#ctx.host.writes.mustWait) {
      // Marking rows in flight is a write: not inside a transaction an extension holds open.
      if (!this.#pumpWaiting) {
        this.#pumpWaiting = true;
        this.#ctx.host.writes
          .later(() => {
            this.#pumpWaiting = false;
            this.pumpDurable();
          })
          .catch((error: unknown) => this.#ctx.host.log.error({ err: error, peer: this.#ctx.peer }, 'bus: a delayed pump failed'));
      }
      return;
    }
    let rows: OutboundRow[];
    try {
      rows = this.#ctx.host.store.takePending(this.#ctx.host.persona, this.#ctx.peer, room);
    } catch (error) {
      // A full disk is met inside the store (rows go out unmarked); another failure to read or
      // mark them (an I/O error) keeps them queued, and the pump tries again shortly. Never
      // thrown on: a timer or a report may have called this.
      this.#ctx.host.log.error({ err: error, peer: this.#ctx.peer }, 'bus: queued events could not be taken for sending; trying again in 1 s');
      this.#pumpRetry ??= setTimeout(() => {
        this.#pumpRetry = undefined;
        this.pumpDurable();
      }, PUMP_RETRY_MS);
      return;
    }
    for (const row of rows) {
      let opened: { header: Uint8Array; payload: Uint8Array };
      try {
        opened = this.#ctx.host.openRow(row);
      } catch (error) {
        this.#ctx.host.log.error({ err: error, peer: this.#ctx.peer, seq: row.seq }, 'bus: a queued event could not be opened; dropped');
        this.#ctx.host.settle(() => {
          if (!this.#ctx.host.store.deleteOne(this.#ctx.host.persona, this.#ctx.peer, row.stream, row.seq)) return [];
          const report = { eventId: row.eventId, ...tagged(this.#ctx.host.openTag(row.tag)), peer: this.#ctx.peer, stream: row.stream, seq: row.seq, kind: row.kind, reason: 'unreadable' };
          return [{ extensionId: row.extensionId, outcome: 'failed', report }];
        });
        continue;
      }
      const event: OutEvent = {
        volatile: false, stream: new Uint8Array(Buffer.from(row.stream, 'hex')), streamHex: row.stream, seq: row.seq,
        kind: row.kind, flags: row.flags | FLAG_WANTS_ACK, priority: (['control', 'interactive', 'bulk'] as const)[row.priority] ?? 'interactive',
        header: opened.header, payload: opened.payload, extensionId: row.extensionId, eventId: row.eventId,
        ...tagged(this.#ctx.host.openTag(row.tag)),
        firstSentAt: 0, sentAt: 0, tries: 0, rto: 0,
      };
      event.rto = this.#initialRto(event.priority);
      if (outboundKindByte(event.kind, this.#ctx.peerKinds()) === undefined) {
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
    if (performance.now() - this.#ctx.readyAt() >= this.#ctx.host.graceMs) {
      this.#refuseUnknown(event);
      return;
    }
    this.#parked.push(event);
    this.#graceTimer ??= setTimeout(() => {
      this.#graceTimer = undefined;
      for (const parked of this.#parked.splice(0)) this.#refuseUnknown(parked);
      this.pumpDurable();
    }, this.#ctx.host.graceMs - (performance.now() - this.#ctx.readyAt()));
  }

  #refuseUnknown(event: OutEvent): void {
    if (this.#closed) return;
    this.#ctx.host.settle(() =>
      this.#ctx.host.store.deleteOne(this.#ctx.host.persona, this.#ctx.peer, event.streamHex, event.seq)
        ? [{ extensionId: event.extensionId, outcome: 'nacked', report: this.#report(event, 'kind-unknown') }]
        : [],
    );
  }

  /** A capabilities update arrived: send what it made mappable. */
  unpark(): void {
    const still: OutEvent[] = [];
    for (const event of this.#parked) {
      if (outboundKindByte(event.kind, this.#ctx.peerKinds()) === undefined) {
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

  /**
   * The link's payload size now (larger once a path MTU probe confirmed it). Events are sized to
   * fit 64 fragments at the base size (bus-engine's limit), so a fall back leaves none unsendable.
   */
  #maxPayload(): number {
    return this.#ctx.maxPayload;
  }

  /** Send `event`'s frames: queued by priority, or `now` straight to the link. Returns their bytes. */
  #transmit(event: OutEvent, now = false): number {
    const maxPayload = this.#maxPayload();
    // Cut once, and again only when the session's datagrams shrank below the cut (path MTU fall
    // back); a larger size later does not re-cut, so fragment numbers stay those of earlier sends.
    if (!event.frames || event.cutFor! > maxPayload) {
      // Callers make sure it maps (#mappable, or the durable path's own check); a re-cut keeps the first byte.
      const byte = event.kindByte ?? (event.kind === 'bus.capabilities' ? KIND_CAPABILITIES : outboundKindByte(event.kind, this.#ctx.peerKinds())!);
      event.kindByte = byte;
      const frame: EventFrame = { stream: event.stream, seq: event.seq, kind: byte, flags: event.flags, header: event.header, payload: event.payload };
      event.frames = cutEvent(frame, maxPayload);
      event.cutFor = maxPayload;
    }
    event.sentAt = performance.now();
    if (event.tries === 0) event.firstSentAt = event.sentAt;
    event.tries++;
    if (event.frames.length > 1) {
      if (event.pieceSentAt?.length !== event.frames.length) {
        event.pieceSentAt = new Float64Array(event.frames.length);
        event.pieceRepeated = new Uint8Array(event.frames.length);
      }
      event.pieceSentAt.fill(event.sentAt);
      event.pieceRepeated!.fill(0);
    } else {
      event.pieceSentAt = event.pieceRepeated = undefined;
    }
    let bytes = 0;
    for (const datagram of event.frames) {
      bytes += datagramBytes(datagram);
      if (now) this.#ctx.scheduler.transmit(datagram);
      else this.#ctx.scheduler.push(event.priority, datagram);
    }
    return bytes;
  }

  /**
   * Repeat only the fragments `pieces` of an event sent before (the receiver has the others), each
   * one no sooner than {@link PIECE_FIRST_REPEAT_MS} after it was last sent, and a piece already repeated
   * for a NACK no sooner than {@link PIECE_REPEAT_MS} (or the RTT) after that: however often a peer
   * names them, each piece leaves at most once per such interval. Returns whether any left.
   */
  #transmitPieces(event: OutEvent, pieces: readonly number[], now: number): boolean {
    const sentAt = event.pieceSentAt!;
    const repeated = event.pieceRepeated!;
    // A NACK names pieces when later ones (or a later event) arrived: sent in order, the named
    // ones are not on their way any more, however long the round trip is. Waiting half of it
    // instead let the receiver's next report (LOST_PIECES_REPORT_MS) come after the event's
    // timeout, which repeated all its datagrams.
    const first = PIECE_FIRST_REPEAT_MS;
    const again = Math.max(PIECE_REPEAT_MS, this.#srtt);
    let any = false;
    for (const i of pieces) {
      if (now - sentAt[i]! < (repeated[i] ? again : first)) continue; // also a piece named twice
      sentAt[i] = now;
      repeated[i] = 1;
      if (!any) {
        any = true;
        event.sentAt = now;
        event.tries++; // no RTT sample from it: its ACK may answer either send
        this.#ctx.stats.fragmentRetransmits++;
      }
      this.#ctx.scheduler.push(event.priority, event.frames![i]!);
    }
    return any;
  }

  /** How long after a send a NACK may repeat it: the datagrams may still be on their way before. */
  #repeatInterval(): number {
    return Math.max(2, this.#srtt / 2);
  }

  #report(event: OutEvent, reason: string, message?: string) {
    return {
      eventId: event.eventId, ...tagged(event.tag), peer: this.#ctx.peer, stream: event.streamHex, seq: event.seq, kind: event.kind,
      reason, message: message ?? this.#ctx.host.nackMessage(reason, event.kind, event.header),
    };
  }

  /** The peer refused unreliable events of `streamHex` (e.g. call audio with calls turned off). */
  onUnreliableNack(streamHex: string, seq: number, reason: string, message: string | undefined): void {
    const sender = this.#unreliableSenders.get(streamHex);
    if (!sender) return;
    this.#ctx.host.report({ extensionId: sender.extensionId, outcome: 'nacked', report: {
      eventId: '', peer: this.#ctx.peer, stream: streamHex, seq, kind: sender.kind, reason,
      message: message ?? this.#ctx.host.nackMessage(reason, sender.kind, new Uint8Array([0xa0])),
    } });
  }

  /** Cumulative ACK `upTo` for one stream and space. */
  onAck(streamHex: string, volatile: boolean, upTo: number): void {
    const map = this.#out.get((volatile ? 'v' : 'd') + streamHex);
    const now = performance.now();
    const acked: OutEvent[] = [];
    let bulkAcked = 0;
    let bulkEventsAcked = 0;
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
        if (event.priority === 'bulk') {
          bulkAcked += (event.bulkBytes ?? 0) / BULK_UNIT_BYTES;
          bulkEventsAcked++;
        }
      }
    }
    if (volatile) {
      this.#bulkInflight -= bulkAcked;
      this.#bulkEventsInflight -= bulkEventsAcked;
      for (const event of acked) {
        if (event.extensionId) this.#ctx.host.report({ extensionId: event.extensionId, outcome: 'delivered', report: this.#delivery(event) });
      }
      if (bulkAcked > 0) {
        this.#bulkWindow.onAck(bulkAcked, bulkRtt, now, this.#ctx.scheduler.interactiveAt);
        if (this.bulkReady) this.#ctx.scheduler.wake();
      }
      return;
    }
    // Durable: the queue rows are the truth (also after a restart, when nothing is in memory);
    // their reports are stored with the deletion, so a crash cannot lose "delivered".
    this.#ctx.host.settle(() =>
      this.#ctx.host.store.deleteUpTo(this.#ctx.host.persona, this.#ctx.peer, streamHex, upTo).map((row) => ({
        extensionId: row.extensionId, outcome: 'delivered' as const,
        report: { eventId: row.eventId, ...tagged(this.#ctx.host.openTag(row.tag)), peer: this.#ctx.peer, stream: streamHex, seq: row.seq, kind: row.kind },
      })),
    );
    this.#durableInflight -= acked.length;
    if (acked.length > 0) this.pumpDurable();
  }

  /** Refusal (or, with `missing`, a retransmit request) for `seqs`. */
  onNack(
    streamHex: string, volatile: boolean, seqs: readonly number[], reason: string, message: string | undefined,
    frags?: ReadonlyArray<readonly number[] | null>,
  ): void {
    const map = this.#out.get((volatile ? 'v' : 'd') + streamHex);
    if (reason === NACK_MISSING) {
      const now = performance.now();
      let bulkLost = false;
      seqs.forEach((seq, at) => {
        const event = map?.get(seq);
        if (!event || event.tries === 0) return;
        const lacking = frags?.[at];
        // Named pieces are those of the current cut; after a fall back the whole event is cut again.
        const pieces = lacking && event.frames && event.frames.length > 1 && event.pieceSentAt && event.cutFor! <= this.#maxPayload()
          && lacking.every((i) => Number.isInteger(i) && i >= 0 && i < event.frames!.length);
        if (pieces) {
          // Each named piece on its own clock (#transmitPieces): a repeated NACK repeats nothing.
          if (!this.#transmitPieces(event, lacking!, now)) return;
        } else {
          // A whole event sent moments ago may still be on its way; one repeated for a NACK is
          // repeated for another only a round trip (at least PIECE_REPEAT_MS) later.
          if (now - event.sentAt < this.#repeatInterval()) return;
          if (event.nackRepeatAt !== undefined && now - event.nackRepeatAt < Math.max(PIECE_REPEAT_MS, this.#srtt)) return;
          this.#transmit(event);
          event.nackRepeatAt = now;
        }
        this.#ctx.stats.retransmits++;
        if (event.priority === 'bulk') bulkLost = true;
      });
      if (bulkLost) this.#bulkWindow.onLoss(now);
      return;
    }
    let removed = 0;
    for (const seq of seqs) {
      const event = map?.get(seq);
      // Never sent (still waiting for the window): the peer cannot be refusing it.
      if (!event || event.tries === 0) continue;
      map!.delete(seq);
      removed++;
      if (volatile) {
        if (event.priority === 'bulk') {
          this.#bulkInflight -= (event.bulkBytes ?? 0) / BULK_UNIT_BYTES;
          this.#bulkEventsInflight--;
          if (this.bulkReady) this.#ctx.scheduler.wake();
        }
      } else {
        this.#durableInflight--;
        this.#ctx.host.settle(() =>
          this.#ctx.host.store.deleteOne(this.#ctx.host.persona, this.#ctx.peer, streamHex, seq)
            ? [{ extensionId: event.extensionId, outcome: 'nacked', report: this.#report(event, reason, message) }]
            : [],
        );
        continue;
      }
      if (event.extensionId) this.#ctx.host.report({ extensionId: event.extensionId, outcome: 'nacked', report: this.#report(event, reason, message) });
    }
    if (!volatile && removed > 0) this.pumpDurable();
  }

  #delivery(event: OutEvent) {
    return { eventId: event.eventId, ...tagged(event.tag), peer: this.#ctx.peer, stream: event.streamHex, seq: event.seq, kind: event.kind };
  }

  /** Wake senders waiting for room in the bulk queue, one per free place. */
  #wakeBulk(): void {
    for (let room = BULK_QUEUE_LIMIT - this.#bulkFresh.length; room > 0 && this.#bulkWaiters.length > 0; room--) this.#bulkWaiters.shift()!();
  }

  #sampleRtt(sample: number): void {
    this.#latestRtt = sample;
    if (this.#srtt === 0) {
      this.#srtt = sample;
      this.#rttvar = sample / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - sample);
      this.#srtt = 0.875 * this.#srtt + 0.125 * sample;
    }
  }

  /**
   * A new event's first timeout. Bulk waits at least BULK_MIN_RTO_MS, queued or live: its timeout
   * repeats the whole event (dozens of datagrams) and halves the bulk window, while a lost
   * fragment is repaired sooner, and alone, by the receiver's gap NACK.
   */
  #initialRto(priority: OutEvent['priority']): number {
    return priority === 'bulk' ? Math.max(BULK_MIN_RTO_MS, this.#rto()) : this.#rto();
  }

  #rto(): number {
    if (this.#srtt === 0) return 200;
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.#srtt + 4 * this.#rttvar));
  }

  /** When the retransmit timer last saw bulk frames waiting in the scheduler. */
  #bulkBusyAt = 0;

  #armTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.#onTimer(), TIMER_MS);
    this.#timer.unref();
  }

  #onTimer(): void {
    const now = performance.now();
    let any = false;
    let bulkTimedOut = false;
    // Bulk datagrams leave when the scheduler gets to them, which may be long after they were
    // queued (a backlog, a piece repeat behind one): none counts as sent before the queue drained.
    if (this.#ctx.scheduler.bulkQueued > 0) this.#bulkBusyAt = now;
    for (const map of this.#out.values()) {
      for (const event of map.values()) {
        any = true;
        // Everything after an event first sent less than MIN_RTO ago (or not sent yet: bulk
        // waiting for the window) was sent even later: stop.
        if (event.tries === 0 || now - event.firstSentAt < MIN_RTO_MS) break;
        const sentAt = event.priority === 'bulk' ? Math.max(event.sentAt, this.#bulkBusyAt) : event.sentAt;
        if (now - sentAt < event.rto) continue;
        event.rto = Math.min(MAX_RTO_MS, event.rto * 2) * (1 + Math.random() * RTO_JITTER);
        if (event.priority === 'bulk') bulkTimedOut = true;
        this.#ctx.stats.retransmits++;
        this.#transmit(event);
      }
    }
    if (bulkTimedOut) this.#bulkWindow.onTimeout(now);
    if (!any && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** The session ended: durable rows go back to pending, volatile events fail, waiters wake. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    if (this.#pumpRetry) clearTimeout(this.#pumpRetry);
    this.#parked = [];
    const { persona } = this.#ctx.host;
    const revert = () => this.#ctx.host.store.revertInflight(persona, this.#ctx.peer);
    this.#ctx.host.writes.soon(revert, (error) => this.#ctx.host.log.error({ err: error, peer: this.#ctx.peer }, 'bus: returning rows to pending failed'));
    for (const [key, map] of this.#out) {
      if (key[0] !== 'v') continue;
      for (const event of map.values()) {
        if (event.extensionId) this.#ctx.host.report({ extensionId: event.extensionId, outcome: 'failed', report: { ...this.#delivery(event), reason: 'session-closed' } });
      }
    }
    this.#out.clear();
    this.#bulkFresh.length = 0;
    for (const wake of this.#bulkWaiters.splice(0)) wake();
  }
}
