/**
 * The sending side. The file waits sealed in `ctx.blobs` (the vault), so the page may close and
 * the original may go. The offer is durable (queued while the friend is offline); blocks are bulk
 * and flow only when the receiver says what it lacks (`files.resume`, `files.nack`), so after any
 * interruption only missing blocks travel. `send` of a bulk event resolves when the session's
 * paced queue has room: that await is the backpressure, and at most 1 MiB of the file is in
 * memory per transfer.
 */
import { KithError, type InboundEvent } from '@kith/sdk';
import { BlockSet, clipRanges, skipRanges, type BlockRange } from './block-ranges.js';
import { blockCount, HASH_BYTES } from './block-hashes.js';
import { readBlocks } from './block-reader.js';
import { filesCancel, filesChunk, filesHashes, filesPause, MAX_HASHES_PER_EVENT, MAX_URGENT_BLOCKS, type FilesCancelHeader, type FilesDoneHeader, type FilesHoldHeader, type FilesNackHeader, type FilesResumeHeader } from './files-kinds.js';
import type { TransferBook } from './transfer-book.js';
import type { TransferRecord } from './transfer-store.js';

/** States in which the friend has the offer and the transfer is not over. */
const OFFERED = new Set(['offered', 'active', 'held']);
/** Most blocks one vault stream covers (64 MiB): it is read a MiB at a time, and is cut short by a seek or a pause. */
const RUN_BLOCKS = 1024;

/**
 * Sending again what was already sent in this session (an urgent NACK, a resume after a hold, a
 * second hash list) is a re-send. A friend may ask for re-sends, but their bytes per transfer per
 * session are bounded: the file's size plus {@link RESEND_BASE_BLOCKS} blocks, growing by
 * {@link RESEND_REFILL_BYTES_PER_S} while the session lasts. An honest receiver re-asks for a block
 * that failed its hash, blocks it could not keep, a seek window of blocks still in flight, and
 * after a full disk (`files.hold`) what reached it while it could not write (up to the rest of
 * the file); a hostile one repeating "send everything again" gets at most about the file once more.
 */
export const RESEND_BASE_BLOCKS = 64;
export const RESEND_REFILL_BYTES_PER_S = 64 * 1024;
/** A second hash list in one session goes at most this long after the previous one (and counts as a re-send). */
export const HASHES_AGAIN_MS = 30_000;
/** Most ranges one NACK or resume queues (a friend's range over a set of many pieces costs no more than this). */
const MAX_QUEUED_RANGES = 4096;

/** The re-send bytes a transfer of `size` bytes in blocks of `bs` may use after `sessionMs` of its session. */
export function resendAllowance(size: number, bs: number, sessionMs: number): number {
  return size + RESEND_BASE_BLOCKS * bs + Math.floor((Math.max(0, sessionMs) / 1000) * RESEND_REFILL_BYTES_PER_S);
}

interface Outgoing {
  toSend: BlockSet;
  urgent: BlockSet;
  /** Where the latest urgent ask starts: the newest seek is served first, then on from there. */
  urgentAt: number;
  /** Sent in this session: reliable there, so a second resume does not send them again. */
  sentInSession: BlockSet;
  /** Every block sent at least once in this session (a hold does not clear it): sending one again is a re-send. */
  everSent: BlockSet;
  /** Re-send bytes granted in this session (see {@link resendAllowance}). */
  resentBytes: number;
  sessionStartedAt: number;
  /** When this session's last hash list went (null: none yet). */
  hashesAt: number | null;
  hashesWanted: boolean;
  cursor: number;
  pumping: boolean;
}

/** What the sender shows for the receiver's `files.hold` reasons (docs/wire/files.md). */
const HOLD_TEXT: ReadonlyMap<string, string> = new Map([
  ['disk-full', "The friend's disk is full; the transfer continues when they have room"],
  ['queued', 'Waiting: the friend receives other files first'],
  ['too-many-files', 'The friend keeps too many files; the transfer continues when they delete some'],
]);

/** What the sender shows for the receiver's refusals (`files.cancel` reasons). */
const REFUSAL_TEXT: ReadonlyMap<string, string> = new Map([
  ['too-large', 'The friend refused it: the file is over their size limit'],
  ['no-space', 'The friend has no room for it'],
  ['busy', 'The friend is receiving too many files; send it again later'],
]);

export class Sender {
  private readonly live = new Map<string, Outgoing>();
  /** A cap on the bytes per second of every outgoing transfer (`POST /files/send-rate`), or null: as fast as the session goes. */
  sendRate: number | null = null;

  constructor(private readonly book: TransferBook) {}

  private get ctx() {
    return this.book.ctx;
  }

  private outgoing(record: TransferRecord): Outgoing {
    let out = this.live.get(record.id);
    if (!out) {
      out = {
        toSend: new BlockSet(), urgent: new BlockSet(), urgentAt: 0, sentInSession: new BlockSet(), everSent: new BlockSet(), resentBytes: 0,
        sessionStartedAt: Date.now(), hashesAt: null, hashesWanted: false, cursor: 0, pumping: false,
      };
      this.live.set(record.id, out);
      const n = blockCount(record.size, record.bs);
      this.book.progress.set(record.id, () => Math.max(0, n - out!.toSend.size) * record.bs);
    }
    return out;
  }

  private ours(event: InboundEvent, id: string): TransferRecord | undefined {
    const record = this.book.get(id);
    return record && record.direction === 'out' && record.peer === event.peer ? record : undefined;
  }

  async onResume(event: InboundEvent, header: FilesResumeHeader): Promise<void> {
    const record = this.ours(event, header.id);
    if (!record) return;
    if (record.state === 'cancelled') return void (await this.book.send(record, filesCancel, { id: record.id, reason: 'cancelled' }));
    if (record.state === 'complete' || record.state === 'failed') return;
    const out = this.outgoing(record);
    const missing = BlockSet.missing(blockCount(record.size, record.bs), BlockSet.of(header.have));
    out.toSend = BlockSet.of(this.granted(record, out, this.unsent(out, missing.toArray())));
    if (header.hashes && !out.hashesWanted) out.hashesWanted = this.mayResendHashes(record, out);
    record.state = 'active';
    record.error = null;
    await this.book.save(record); // the friend said what it has: the page's progress (e.g. after a restart) changes
    this.pump(record);
  }

  async onNack(event: InboundEvent, header: FilesNackHeader): Promise<void> {
    const record = this.ours(event, header.id);
    if (!record || record.state !== 'active') return;
    const out = this.outgoing(record);
    const n = blockCount(record.size, record.bs);
    const ranges: BlockRange[] = [];
    for (const [a, b] of header.ranges) if (a < Math.min(b, n)) ranges.push([a, Math.min(b, n)]);
    // "Send these now, even if you did" (a block that failed its hash, one the receiver could not
    // keep, a reader waiting): the first MAX_URGENT_BLOCKS blocks, as far as the re-send allowance goes.
    const urgent = header.urgent ? clipRanges(ranges, MAX_URGENT_BLOCKS) : [];
    // A reader waiting on the in-order stream asks urgently too; a later seek must not queue behind it.
    if (urgent.length > 0) out.urgentAt = urgent[0]![0];
    for (const [a, b] of this.granted(record, out, urgent)) {
      out.toSend.addRange(a, b);
      out.sentInSession.removeRange(a, b);
      out.urgent.addRange(a, b);
    }
    // "I lack these" (and an urgent NACK's blocks past the first MAX_URGENT_BLOCKS): blocks sent in
    // this session are still on their way (bulk is reliable in the session, only slow when the path
    // loses a lot), so sending them again would double them.
    const plain = header.urgent ? skipRanges(ranges, MAX_URGENT_BLOCKS) : ranges;
    for (const [a, b] of this.granted(record, out, this.unsent(out, plain))) out.toSend.addRange(a, b);
    this.pump(record);
  }

  async onHold(event: InboundEvent, header: FilesHoldHeader): Promise<void> {
    const record = this.ours(event, header.id);
    if (!record || (record.state !== 'active' && record.state !== 'offered')) return;
    await this.hold(record, HOLD_TEXT.get(header.reason) ?? `The friend paused the transfer (${header.reason})`);
  }

  /**
   * The friend's host stopped taking file blocks (they turned Files off) with the session still
   * open: hold what goes to them, as their own hold would. Blocks already on their way are refused
   * by their host and count as not sent; when Files is on again there, its resume says what it has
   * and the rest goes.
   */
  async onFriendStoppedFiles(peer: string): Promise<void> {
    for (const record of this.book.records.values()) {
      if (record.direction !== 'out' || record.peer !== peer || (record.state !== 'active' && record.state !== 'offered')) continue;
      await this.hold(record, 'The friend turned Files off; it goes on when they turn it on');
    }
  }

  /** Stop sending `record` until the friend's next resume, saying `why`. */
  private async hold(record: TransferRecord, why: string): Promise<void> {
    record.state = 'held';
    record.error = why;
    const out = this.live.get(record.id);
    if (out) {
      // The receiver may have lost what was on its way (a full disk drops unwritten blocks, a
      // host with Files off refuses them): its next resume says what it has, and the rest goes
      // again, as re-sends (the session's allowance is kept, so hold-resume cycles cannot send
      // the file over and over).
      out.sentInSession = new BlockSet();
      out.urgent = new BlockSet();
      out.hashesWanted = false;
      out.cursor = 0;
    }
    await this.book.save(record);
  }

  async onDone(event: InboundEvent, header: FilesDoneHeader): Promise<void> {
    const record = this.ours(event, header.id);
    if (!record || record.state === 'complete' || record.state === 'cancelled') return;
    if (header.root !== record.root) return; // not this file: ignore rather than drop the copy
    this.live.delete(record.id);
    // The friend has every byte: the sealed copy has done its job.
    await this.dropCopies(record);
    record.state = 'complete';
    record.completedAt = Date.now();
    await this.book.save(record);
  }

  async onCancel(event: InboundEvent, header: FilesCancelHeader): Promise<void> {
    const record = this.ours(event, header.id);
    if (!record || record.state === 'cancelled' || record.state === 'complete') return;
    await this.cancelled(record, REFUSAL_TEXT.get(header.reason) ?? `The friend cancelled it (${header.reason})`);
  }

  /** The user cancels: both sides drop everything (someone no longer a friend is not told). */
  async cancel(record: TransferRecord): Promise<void> {
    await this.cancelled(record, 'Cancelled');
    await this.book.send(record, filesCancel, { id: record.id, reason: 'cancelled' }).catch((error: { code?: string }) => {
      if (error?.code !== 'KITH_ERR_NOT_FOUND') throw error;
    });
  }

  /** `peer` is no longer a friend: every unfinished file to them ends here (the sealed copy removed, nothing sent). */
  async friendRemoved(peer: string, why: string): Promise<void> {
    for (const record of [...this.book.records.values()]) {
      if (record.direction !== 'out' || record.peer !== peer || !OFFERED.has(record.state)) continue;
      await this.cancelled(record, why);
    }
  }

  async setPaused(record: TransferRecord, paused: boolean): Promise<void> {
    const changed = record.paused !== paused;
    record.paused = paused;
    await this.book.save(record);
    // The friend's row says so too (else it just stops moving). Before the commit there is no
    // offer yet: the commit tells them (Uploads.commit).
    if (changed && record.peer && OFFERED.has(record.state)) await this.book.send(record, filesPause, { id: record.id, paused });
    if (!paused) this.pump(record);
  }

  onSessionOpen(peer: string): void {
    for (const record of this.book.records.values()) {
      const out = record.direction === 'out' && record.peer === peer ? this.live.get(record.id) : undefined;
      if (!out) continue;
      out.sentInSession = new BlockSet();
      out.everSent = new BlockSet();
      out.resentBytes = 0;
      out.sessionStartedAt = Date.now();
      out.hashesAt = null;
    }
  }

  /** Of `ranges`, the parts not sent in this session (or since a hold), at most MAX_QUEUED_RANGES ranges. */
  private unsent(out: Outgoing, ranges: readonly BlockRange[]): BlockRange[] {
    const result: BlockRange[] = [];
    for (const [a, b] of ranges) {
      if (result.length >= MAX_QUEUED_RANGES) break;
      result.push(...out.sentInSession.gapsIn(a, b, MAX_QUEUED_RANGES - result.length));
    }
    return result;
  }

  /**
   * Of `ranges`, what may be sent: blocks not yet sent in this session, and blocks sent already
   * (re-sends) as far as the session's allowance goes, which they use up.
   */
  private granted(record: TransferRecord, out: Outgoing, ranges: readonly BlockRange[]): BlockRange[] {
    const result: BlockRange[] = [];
    let room = Math.floor((resendAllowance(record.size, record.bs, Date.now() - out.sessionStartedAt) - out.resentBytes) / record.bs);
    for (const [a, b] of ranges) {
      if (result.length >= MAX_QUEUED_RANGES) break;
      result.push(...out.everSent.gapsIn(a, b, MAX_QUEUED_RANGES - result.length));
      if (room <= 0) continue;
      for (const [x, y] of out.everSent.overlap(a, b, MAX_QUEUED_RANGES)) {
        const end = Math.min(y, x + room);
        result.push([x, end]);
        room -= end - x;
        out.resentBytes += (end - x) * record.bs;
        if (room <= 0) break;
      }
    }
    return result;
  }

  /** Whether a hash list asked for now may go: the first in the session, or a later one past HASHES_AGAIN_MS within the allowance. */
  private mayResendHashes(record: TransferRecord, out: Outgoing): boolean {
    if (out.hashesAt === null) return true;
    const now = Date.now();
    const bytes = blockCount(record.size, record.bs) * HASH_BYTES;
    if (now - out.hashesAt < HASHES_AGAIN_MS || out.resentBytes + bytes > resendAllowance(record.size, record.bs, now - out.sessionStartedAt)) return false;
    out.resentBytes += bytes;
    return true;
  }

  private async cancelled(record: TransferRecord, why: string): Promise<void> {
    this.live.delete(record.id);
    await this.dropCopies(record);
    record.state = 'cancelled';
    record.error = why;
    await this.book.save(record);
  }

  private async dropCopies(record: TransferRecord): Promise<void> {
    for (const blob of [record.vault, record.hashesBlob]) {
      if (blob) await this.ctx.blobs.delete(blob).catch(() => undefined);
    }
    record.vault = null;
    record.hashesBlob = null;
  }

  private pump(record: TransferRecord): void {
    const out = this.outgoing(record);
    if (out.pumping) return;
    out.pumping = true;
    this.run(record, out)
      .catch((error: Error & { code?: string }) => {
        if (error.code !== 'KITH_ERR_NO_SESSION' && error.code !== 'KITH_ERR_LOCKED') this.ctx.log.warn('file send stopped', { error: error.message });
      })
      .finally(() => {
        out.pumping = false;
      });
  }

  private sendable(record: TransferRecord): boolean {
    return record.state === 'active' && !record.paused && record.vault !== null && record.peer !== null && this.ctx.sessions.get(record.peer) !== undefined;
  }

  private async run(record: TransferRecord, out: Outgoing): Promise<void> {
    while (this.sendable(record)) {
      if (out.hashesWanted) {
        out.hashesWanted = false;
        out.hashesAt = Date.now();
        await this.sendHashes(record);
        continue;
      }
      const next = out.urgent.nextFrom(out.urgentAt) ?? out.toSend.nextFrom(out.cursor);
      if (next === undefined) return;
      const [start, end] = out.toSend.runFrom(next, RUN_BLOCKS) ?? [next, next + 1];
      const offset = start * record.bs;
      const length = Math.min(end * record.bs, record.size) - offset;
      const pieces = this.ctx.blobs.readStream(record.vault!, { offset, length });
      for await (const { i, bytes: block } of readBlocks(pieces, record.size, record.bs, start, end)) {
        if (!this.sendable(record)) return;
        // A seek (urgent NACK) that came in during this run goes first, not after it (a run can be minutes on a slow link).
        const urgentNext = out.urgent.nextFrom(out.urgentAt);
        if (urgentNext !== undefined && urgentNext !== i) break;
        // A resume meanwhile may have said the friend has it.
        if (!out.toSend.has(i)) break;
        out.toSend.remove(i);
        if (out.urgent.has(i)) out.urgentAt = i + 1;
        out.urgent.remove(i);
        out.sentInSession.add(i);
        out.everSent.add(i);
        out.cursor = i + 1;
        await this.book.send(record, filesChunk, { id: record.id, i }, block, true);
        record.payloadBytes += block.length;
        this.book.touch(record);
        if (this.sendRate) await new Promise((r) => setTimeout(r, (block.length * 1000) / this.sendRate!));
      }
    }
  }

  private async sendHashes(record: TransferRecord): Promise<void> {
    if (!record.hashesBlob) throw new KithError('KITH_ERR_INTERNAL', 'the sender lost its hash list');
    const hashes = await this.ctx.blobs.read(record.hashesBlob);
    const count = hashes.length / HASH_BYTES;
    for (let from = 0; from < count; from += MAX_HASHES_PER_EVENT) {
      const piece = hashes.subarray(from * HASH_BYTES, Math.min(count, from + MAX_HASHES_PER_EVENT) * HASH_BYTES);
      await this.book.send(record, filesHashes, { id: record.id, from }, piece, true);
    }
  }
}
