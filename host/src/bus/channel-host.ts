import type { EventHeader } from '@kith/sdk';
import type { EventFrame } from './wire/event-frame.js';
import type { CapabilitiesHeader } from './wire/control-headers.js';
import type { OutboundRow, OutboundStore } from './outbound-store.js';
import type { InboundMarks } from './inbound-marks.js';
import type { LocalKindBytes } from './kind-bytes.js';
import type { InboundStream, Refusal, ReorderBudget } from './inbound-streams.js';
import type { PeerChannel } from './peer-channel.js';
import type { Outcome } from './delivery-reports.js';
import type { HostWrites } from '../storage/host-writes.js';

/** One inbound event ready for a handler. */
export interface InboundDispatch {
  readonly kind: string;
  readonly frame: EventFrame;
  readonly header: EventHeader;
  readonly streamHex: string;
  readonly reliable: boolean;
  readonly volatile: boolean;
}

/** Test seams around the persist step (kill -9 tests); never set in production. */
export interface BusHooks {
  beforePersist?(peer: string, stream: string, seq: number): void;
  afterPersist?(peer: string, stream: string, seq: number): void;
}

/** Minimal structured logger the bus uses. */
export interface BusLog {
  debug(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What a {@link PeerChannel} needs from the bus engine that owns it. */
export interface ChannelHost {
  /** Hex master public key of the active persona (row scope). */
  readonly persona: string;
  readonly store: OutboundStore;
  readonly marks: InboundMarks;
  readonly kindBytes: LocalKindBytes;
  readonly hooks: BusHooks | undefined;
  readonly log: BusLog;
  /** See BusEngineOptions.graceMs. */
  readonly graceMs: number;
  /** The share of the out-of-order bytes all sessions may hold that one friend's sessions may. */
  reorderBudgetFor(peer: string): ReorderBudget;
  /** The rules for the bus's own writes (storage/host-writes.ts). */
  readonly writes: HostWrites;
  capabilities(): CapabilitiesHeader;
  /** Unseal a queued row's header and payload. */
  openRow(row: OutboundRow): { header: Uint8Array; payload: Uint8Array };
  /** Unseal a queued row's correlation tag (undefined without one, or when it cannot be opened). */
  openTag(sealed: Uint8Array | null): string | undefined;
  /**
   * Hand an inbound event to its handler: a refusal or undefined once persisted, synchronously
   * when the handler returned synchronously, else as a promise.
   */
  dispatch(channel: PeerChannel, event: InboundDispatch): Refusal | undefined | Promise<Refusal | undefined>;
  nackMessage(reason: string, kind: string, header: Uint8Array): string;
  /**
   * Delete queue rows and store what became of them in one transaction (`change` does the
   * deleting and returns the reports), then hand the reports to their extensions.
   */
  settle(change: () => readonly Outcome[]): void;
  /** Hand out the report of a volatile event (nothing stored). */
  report(outcome: Outcome): void;
  ready(channel: PeerChannel): void;
  /** A ready session's peer announced new capabilities (`previous` were the ones before). */
  capabilitiesChanged(channel: PeerChannel, previous: CapabilitiesHeader): void;
  /** Receive state of a durable stream of `peer` (shared by that peer's successive sessions). */
  durableInbound(peer: string, streamHex: string): InboundStream;
  /** A closed session's channel finished an event: let the peer's live channel (if any) continue. */
  resumeInbound(peer: string, streamHex: string): void;
}
