/**
 * The receiving side. It drives the transfer: an offer is answered with `files.resume` (what it
 * has, and whether it needs the hash list); the hash list is checked against the offer's root;
 * every block is checked against its hash before it is written. Blocks go into runs: append-only
 * sealed blobs, each holding consecutive blocks from its start (a seek starts a new run). What a
 * run durably holds is its blob's size, so after a crash the record is exactly what is on disk.
 * Verified blocks wait in memory (at most {@link MAX_BUFFERED_BYTES} per transfer) and are appended
 * in batches, so a commit (fsync) is paid per few MiB, not per block.
 */
import { KithError, type InboundEvent } from '@kith/sdk';
import { IDLE_YIELD_MS, isWaiting, MAX_WAITING_PER_FRIEND, mayArrive, nextToArrive, WAITING_TEXT } from './admission.js';
import { blobsFit, blobsToArrive, createBlob, DEFAULT_BLOB_BUDGET, isBlobCap, MAX_RUNS, TOO_MANY_FILES_TEXT, type BlobBudget } from './blob-budget.js';
import { BlockSet, MAX_RANGES_PER_EVENT } from './block-ranges.js';
import { piecesOf } from './byte-pieces.js';
import { blockCount, blockLength, chooseBlockHasher, equalBytes, HASH_BYTES, rootOf, toHex } from './block-hashes.js';
import { tidyComplete } from './complete-files.js';
import {
  filesCancel, filesDone, filesHold, filesNack, filesResume, MAX_FILE_BYTES, MAX_HASHES_PER_EVENT, MAX_URGENT_BLOCKS,
  type FilesCancelHeader, type FilesPauseHeader, type FilesChunkHeader, type FilesHashesHeader, type FilesOfferHeader,
} from './files-kinds.js';
import { filesErrors } from './files-errors.js';
import { MAX_INCOMING_PER_FRIEND, OfferBuckets } from './offer-limits.js';
import { sanitizeMime, sanitizeName } from './safe-names.js';
import type { TransferBook } from './transfer-book.js';
import type { Run, TransferRecord } from './transfer-store.js';

const FLUSH_BYTES = 512 * 1024;
/**
 * Verified blocks in memory per transfer (all runs). Also what a kill -9 of the receiver can cost:
 * blocks verified but not yet durable are sent again. A flush (seal, write, three fsyncs) takes
 * 10-40 ms on an ext4 disk, and the handler holds the bus's ACKs while this is full: at 2 MiB
 * every slow flush stalled the sender (1 GiB moved at 64-66 MB/s), at 8 MiB it moved at 94-98.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const FLUSH_AFTER_MS = 50;
/**
 * Blocks being hashed off the thread per transfer, in bytes: the handler returns (and the bus
 * ACKs) while they are checked, so hashing overlaps the next blocks' arrival; past this it waits.
 */
const VERIFY_AHEAD_BYTES = 1024 * 1024;
/** No block for this long while blocks are missing and the session is live: ask for them again. */
const STALL_MS = 3000;
/** How long a reader (an HTTP Range answer) waits for a block it asked for first. */
const READ_WAIT_MS = 30_000;
/** How long a read waits for bytes while the friend is not connected (they may be coming back). */
const OFFLINE_READ_WAIT_MS = 5_000;
/** How often a transfer held by a full disk tries again. */
const DISK_RETRY_MS = 10_000;
/** A transfer stalled this long since its last resume sends a resume again rather than NACKs. */
const RESUME_AGAIN_MS = 15_000;
/**
 * Separate ranges of blocks that arrived but could not be kept (before the hash list, past the
 * runs' cap) remembered to be asked for again; a block past this is not remembered (a later plain
 * NACK or the next session's resume covers it). Bounds what a sender that sends blocks before the
 * hash list, or scattered, can make the receiver keep and sort.
 */
export const MAX_DROPPED_RANGES = MAX_RANGES_PER_EVENT;
/** Urgent NACKs (each at most {@link MAX_URGENT_BLOCKS} blocks) for dropped blocks per stall. */
const MAX_DROPPED_NACKS_PER_STALL = 16;
/**
 * Ended (cancelled or failed) incoming transfers kept per friend, newest offers first: older ones
 * are forgotten, so offers a friend cancels (or whose hash list lies) cannot pile up records.
 * Refused offers (too large, no room, too many waiting) are never stored.
 */
export const MAX_ENDED_PER_FRIEND = 100;

interface RunState {
  readonly start: number;
  readonly blob: string;
  /** Blocks durably in the blob. */
  durable: number;
  /** Verified blocks after the durable ones, being appended or waiting to be. */
  buffered: Uint8Array[];
  flushing: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

interface Incoming {
  record: TransferRecord;
  n: number;
  hashes: Uint8Array | null;
  hashParts: Uint8Array | null;
  hashesHave: BlockSet;
  runs: RunState[];
  lastChunkAt: number;
  lastAskAt: number;
  /** When this side last sent a resume (it says all it has; the sender takes up a held transfer). */
  lastResumeAt: number;
  /** When it last moved (a block or hash piece kept) or started arriving: idle past IDLE_YIELD_MS, it may give up its place. */
  movedAt: number;
  waiters: Map<number, Array<() => void>>;
  badBlocks: number;
  /** Blocks that arrived but were not kept (no hash list yet, too many runs): asked for again, urgently. */
  dropped: BlockSet;
  /** Arrived blocks are accepted in arrival order, each once its hash is known: the end of that chain. */
  verified: Promise<void>;
  verifyingBytes: number;
}

function isEnded(record: TransferRecord): boolean {
  return record.state === 'cancelled' || record.state === 'failed';
}

/** Arriving, held or waiting: not over yet. */
function isUnfinished(record: TransferRecord): boolean {
  return record.state === 'active' || record.state === 'held';
}

/** What a transfer from a friend who was removed says (it ends on this side; nothing goes to them). */
export const NOT_A_FRIEND_TEXT = 'Cancelled: no longer a friend';

/** What a receiver may change (a test shortens the idle time, or shrinks the blob cap). */
export interface ReceiverOptions {
  readonly idleYieldMs?: number;
  readonly blobBudget?: BlobBudget;
}

/** Whether `error` is the bus refusing a send to someone who is no longer a friend. */
export function isNotAFriend(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'KITH_ERR_NOT_FOUND';
}

/** Largest piece one `ctx.blobs.append` takes (docs/blobs.md): a hash list may be up to 32 MiB. */
const BLOB_PIECE_BYTES = 16 * 1024 * 1024;

/** Whether `state` still reads the blobs `runs` name (the record's runs, unless they were joined). */
function sameBlobs(state: readonly RunState[], runs: readonly Run[]): boolean {
  return state.length === runs.length && state.every((run, k) => run.blob === runs[k]!.blob);
}

export class Receiver {
  private readonly live = new Map<string, Incoming>();
  /**
   * When a file that gave up its place (yieldIdle) went back to waiting: its turn comes after the
   * files that waited already, not by its offer's age (it would take its place straight back).
   */
  private readonly requeuedAt = new Map<string, number>();

  private readonly hashBlock = chooseBlockHasher();
  /** Starting waiting files one pass at a time, so two passes never start more than the bounds allow. */
  private admitting: Promise<void> = Promise.resolve();

  private readonly idleYieldMs: number;
  private readonly blobBudget: BlobBudget;
  /** Each friend's new offers (offer-limits.ts). */
  private readonly offers = new OfferBuckets();
  /** Complete files being tidied, one at a time (complete-files.ts). */
  private tidying: Promise<void> = Promise.resolve();

  constructor(
    private readonly book: TransferBook,
    options: ReceiverOptions = {},
  ) {
    this.idleYieldMs = options.idleYieldMs ?? IDLE_YIELD_MS;
    this.blobBudget = options.blobBudget ?? DEFAULT_BLOB_BUDGET;
  }

  private get ctx() {
    return this.book.ctx;
  }

  /**
   * After start: rebuild every file that was arriving from its runs' durable sizes, then let
   * waiting ones start where there is room. Complete files keep no state in memory.
   */
  async restore(): Promise<void> {
    const empties: Incoming[] = [];
    for (const record of [...this.book.records.values()]) {
      if (record.direction !== 'in' || !isUnfinished(record) || isWaiting(record)) continue;
      const state = await this.incoming(record);
      if (state.n === 0) empties.push(state);
    }
    // Empty files kept arriving by an older version (they never completed there): complete now,
    // once every arriving file is loaded (completing one lets waiting files start).
    for (const state of empties) await this.completeEmpty(state).catch((error: Error) => this.ctx.log.warn('an empty file did not complete', { message: error.message }));
    const peers = new Set<string>();
    for (const record of this.book.records.values()) if (record.direction === 'in' && record.peer && isEnded(record)) peers.add(record.peer);
    for (const peer of peers) await this.pruneEnded(peer);
    await this.admit();
    // Complete files an older version (or a join cut short) left in several blobs, or with a hash list.
    for (const record of this.book.records.values()) {
      if (record.direction === 'in' && record.state === 'complete' && (record.hashesBlob || record.runs.length > 1)) this.tidy(record);
    }
  }

  /** Tidy a complete file after everything queued before it (complete-files.ts); runs in the background. */
  private tidy(record: TransferRecord): void {
    this.tidying = this.tidying
      .then(() => tidyComplete(this.book, record))
      .catch((error: Error & { code?: string }) => {
        if (error.code !== 'KITH_ERR_LOCKED') this.ctx.log.warn('a complete file was not tidied', { message: error.message });
      });
  }

  /** Resolves once every complete file queued so far is tidied (a test waits for it). */
  tidied(): Promise<void> {
    return this.tidying;
  }

  /** The arriving state of `record`, built and kept while it arrives. */
  private async incoming(record: TransferRecord): Promise<Incoming> {
    const existing = this.live.get(record.id);
    if (existing) return existing;
    const state = await this.build(record);
    // Not kept when it went back to waiting meanwhile (yieldIdle): a waiting file is not arriving.
    if (isWaiting(record)) return state;
    return this.live.get(record.id) ?? this.register(state);
  }

  /**
   * Keep `state` while its file arrives. Synchronous, so a decision to let a file arrive
   * (admission.ts) and its place among the arriving ones are one step.
   */
  private register(state: Incoming): Incoming {
    const record = state.record;
    this.live.set(record.id, state);
    this.book.progress.set(record.id, () => Math.min(record.size, this.have(state).size * record.bs));
    return state;
  }

  /** The state of a file that has nothing on disk yet (a new offer, a waiting one starting). */
  private fresh(record: TransferRecord, hashes: Uint8Array | null = null, runs: RunState[] = []): Incoming {
    return {
      record, n: blockCount(record.size, record.bs), hashes, hashParts: null, hashesHave: new BlockSet(), runs, lastChunkAt: Date.now(), lastAskAt: 0, lastResumeAt: 0, movedAt: Date.now(),
      waiters: new Map(), badBlocks: 0, dropped: new BlockSet(), verified: Promise.resolve(), verifyingBytes: 0,
    };
  }

  /** What `record` holds on disk: its runs' durable sizes, and its hash list unless it is complete. */
  private async build(record: TransferRecord): Promise<Incoming> {
    const n = blockCount(record.size, record.bs);
    const runs: RunState[] = [];
    for (const run of record.runs) {
      const size = await this.ctx.blobs.size(run.blob).catch(() => 0);
      let durable = Math.floor(size / record.bs);
      if (run.start + durable === n - 1 && size - durable * record.bs === blockLength(record.size, record.bs, n - 1)) durable++;
      runs.push({ start: run.start, blob: run.blob, durable, buffered: [], flushing: null, timer: null });
    }
    const hashes = record.hashesBlob && record.state !== 'complete' ? await this.readWhole(record.hashesBlob) : null;
    return this.fresh(record, hashes, runs);
  }

  /** A whole blob, read as a stream (a hash list may pass the 16 MiB one `read` returns). */
  private async readWhole(blob: string): Promise<Uint8Array> {
    const length = await this.ctx.blobs.size(blob);
    const bytes = new Uint8Array(length);
    let at = 0;
    for await (const piece of this.ctx.blobs.readStream(blob, { offset: 0, length })) {
      bytes.set(piece, at);
      at += piece.length;
    }
    return bytes;
  }

  /** Files arriving now (in memory, not complete). */
  private *arriving(): Iterable<TransferRecord> {
    for (const state of this.live.values()) if (state.record.state !== 'complete' && state.record.state !== 'cancelled' && state.record.state !== 'failed') yield state.record;
  }

  /** Start waiting files, oldest first, while the bounds allow (admission.ts). */
  admit(): Promise<void> {
    this.admitting = this.admitting.then(() => this.admitNow()).catch((error: Error) => this.ctx.log.warn('starting a waiting file failed', { message: error.message }));
    return this.admitting;
  }

  private async admitNow(): Promise<void> {
    for (;;) {
      const record = nextToArrive(this.book.records.values(), [...this.arriving()], (r) => this.requeuedAt.get(r.id) ?? r.createdAt);
      if (!record) return;
      // Not into the blobs kept for the user's own files: it waits until files complete or are deleted.
      const usage = await this.ctx.blobs.usage();
      if (!blobsFit(this.blobBudget, usage.blobs, this.promisedBlobs(null), blobsToArrive(record))) return;
      // A file that never started has nothing on disk; one that gave up its place (yieldIdle)
      // goes on from what it has. Read before the last check, so deciding and taking the place
      // are one step (an offer may come meanwhile).
      const state = record.runs.length > 0 || record.hashesBlob ? await this.rebuild(record) : this.fresh(record);
      if (!isWaiting(record) || !mayArrive(record, this.arriving())) continue;
      record.waiting = false;
      record.state = 'active';
      record.error = null;
      this.requeuedAt.delete(record.id);
      this.register(state);
      await this.book.save(record);
      if (record.peer && this.ctx.sessions.get(record.peer)) await this.askResume(state);
    }
  }

  /** What a waiting file that had started holds, read from disk; if that cannot be read, it starts afresh. */
  private async rebuild(record: TransferRecord): Promise<Incoming> {
    try {
      return await this.build(record);
    } catch (error) {
      this.ctx.log.warn('a waiting file starts again from nothing', { message: (error as Error).message });
      await this.dropBlobs(record);
      return this.fresh(record);
    }
  }

  /**
   * Arriving files that moved nothing for {@link ReceiverOptions.idleYieldMs} while another
   * friend's file waits (one that would fit in their place) give up their place and wait again
   * (nothing of them is dropped), then waiting files start in turn (admission.ts): the other
   * friend's first, and the idle ones again if there is still room.
   */
  async yieldIdle(now = Date.now()): Promise<void> {
    const stale = [...this.live.values()].filter((state) => isUnfinished(state.record) && now - state.movedAt >= this.idleYieldMs);
    if (stale.length === 0) return;
    // Waiting files of others that would fit once the idle ones left (one that would not, a
    // friend's fifth file say, is no reason to stop anything).
    const rest = [...this.arriving()].filter((record) => !stale.some((state) => state.record === record));
    const peers = new Set<string | null>();
    for (const record of this.book.records.values()) if (isWaiting(record) && !peers.has(record.peer) && mayArrive(record, rest)) peers.add(record.peer);
    const idle = stale.filter((state) => [...peers].some((peer) => peer !== state.record.peer));
    if (idle.length === 0) return;
    for (const state of idle) await this.backToWaiting(state);
    await this.admit();
  }

  /** Stop taking `state`'s blocks and put it back among the waiting files, keeping all it has. */
  private async backToWaiting(state: Incoming): Promise<void> {
    const record = state.record;
    if (this.live.get(record.id) !== state || !isUnfinished(record)) return;
    this.live.delete(record.id);
    await state.verified;
    for (const run of state.runs) this.flush(state, run);
    for (const run of state.runs) if (run.flushing) await run.flushing.catch(() => undefined);
    // Blocks a flush could not write (a full disk) were dropped from memory; the runs' durable sizes are the record.
    this.wakeAll(state);
    if (!isUnfinished(record)) return; // its last blocks just made it complete
    // Its hash list is on disk, read again at its next turn (rebuild): not kept in memory meanwhile.
    const done = Math.min(record.size, this.have(state).size * record.bs);
    this.book.progress.set(record.id, () => done);
    state.hashes = null;
    state.hashParts = null;
    record.state = 'held';
    record.waiting = true;
    record.error = WAITING_TEXT;
    this.requeuedAt.set(record.id, Date.now());
    await this.book.save(record);
    // Durable: a sender offline now hears it when it is back (a refused send changes nothing here).
    await this.book.send(record, filesHold, { id: record.id, reason: 'queued' }).catch(() => undefined);
  }

  /** Blocks held: durable plus verified in memory. */
  have(state: Incoming): BlockSet {
    const set = new BlockSet();
    for (const run of state.runs) set.addRange(run.start, run.start + run.durable + run.buffered.length);
    return set;
  }

  /** Whether block `i` is held, without building a set per block (this runs for every block). */
  private holds(state: Incoming, i: number): boolean {
    return state.runs.some((r) => r.start <= i && i < r.start + r.durable + r.buffered.length);
  }

  private durableHave(state: Incoming): BlockSet {
    const set = new BlockSet();
    for (const run of state.runs) set.addRange(run.start, run.start + run.durable);
    return set;
  }

  private ours(event: InboundEvent, id: string): Incoming | undefined {
    const state = this.live.get(id);
    return state && state.record.peer === event.peer ? state : undefined;
  }

  async onOffer(event: InboundEvent, header: FilesOfferHeader): Promise<void> {
    const known = this.book.get(header.id);
    if (known) {
      if (known.peer !== event.peer || known.direction !== 'in') return;
      if (known.state === 'complete') await this.book.send(known, filesDone, { id: known.id, root: known.root });
      else if (known.state === 'cancelled' || known.state === 'failed') await this.book.send(known, filesCancel, { id: known.id, reason: 'cancelled' });
      else if (isWaiting(known)) await this.book.send(known, filesHold, { id: known.id, reason: 'queued' });
      else await this.askResume(await this.incoming(known));
      return;
    }
    if (header.size <= MAX_FILE_BYTES && this.tooBusy(event.peer)) {
      // Refused with nothing stored: a flood of offers must not fill the disk with records either.
      await this.book.send({ id: header.id, peer: event.peer }, filesCancel, { id: header.id, reason: 'busy' });
      return;
    }
    const record: TransferRecord = {
      id: header.id, direction: 'in', peer: event.peer, name: sanitizeName(header.name), mime: sanitizeMime(header.mime),
      size: header.size, bs: header.bs, root: header.root, createdAt: Date.now(), state: 'active', paused: false, error: null,
      vault: null, hashesBlob: null, runs: [], payloadBytes: 0, completedAt: null,
    };
    const refusal = await this.refusal(record, event.peer);
    if (refusal) {
      // Refused with nothing stored (as `busy` above): the sender hears why, and a flood of
      // refused offers leaves no record behind.
      await this.book.send(record, filesCancel, { id: record.id, reason: refusal.reason });
      return;
    }
    // An empty file takes no place: it is complete as soon as it is seen (completeEmpty).
    if (blockCount(record.size, record.bs) > 0 && !mayArrive(record, this.arriving())) {
      record.state = 'held';
      record.waiting = true;
      record.error = WAITING_TEXT;
      await this.book.save(record);
      await this.book.send(record, filesHold, { id: record.id, reason: 'queued' });
      return;
    }
    const state = this.register(this.fresh(record));
    await this.book.save(record);
    await this.askResume(state);
  }

  /**
   * Whether `peer` may not offer another file now: too many of their rows here or offers coming
   * faster than their bucket refills (offer-limits.ts), or too many of their files waiting (admission.ts).
   */
  private tooBusy(peer: string): boolean {
    return this.book.incomingFrom(peer) >= MAX_INCOMING_PER_FRIEND || !this.offers.take(peer) || this.waitingFrom(peer) >= MAX_WAITING_PER_FRIEND;
  }

  private waitingFrom(peer: string): number {
    let count = 0;
    for (const record of this.book.records.values()) if (record.peer === peer && isWaiting(record)) count++;
    return count;
  }

  private async refusal(record: TransferRecord, peer: string): Promise<{ reason: string; message: string } | null> {
    const size = record.size;
    if (size > MAX_FILE_BYTES) return { reason: 'too-large', message: `Refused: the friend offered ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit` };
    const usage = await this.ctx.blobs.usage();
    if (usage.bytes + this.promisedBytes(peer) + size > usage.quotaBytes) return { reason: 'no-space', message: 'Refused: no room left for files' };
    // The wire has no reason of its own for this: to the sender it is no room (blob-budget.ts).
    if (!blobsFit(this.blobBudget, usage.blobs, this.promisedBlobs(peer), blobsToArrive(record))) return { reason: 'no-space', message: 'Refused: too many files are kept here' };
    return null;
  }

  /**
   * Blobs the files arriving may still create, and those of `peer`'s own waiting files (as
   * {@link promisedBytes} counts room): each its runs up to the cap and its hash list (blob-budget.ts).
   */
  private promisedBlobs(peer: string | null): number {
    let blobs = 0;
    for (const state of this.live.values()) if (isUnfinished(state.record)) blobs += blobsToArrive(state.record);
    if (peer) for (const record of this.book.records.values()) if (record.peer === peer && isWaiting(record)) blobs += blobsToArrive(record);
    return blobs;
  }

  /**
   * Room already promised, as `peer` sees it: the bytes still to come of every file arriving (from
   * anyone), and of `peer`'s own waiting files. Another friend's waiting offers promise nothing,
   * so offers a friend never sends cannot make this side refuse someone else's file (admission.ts).
   */
  private promisedBytes(peer: string): number {
    let bytes = 0;
    for (const state of this.live.values()) {
      if (isUnfinished(state.record)) bytes += Math.max(0, state.record.size - this.have(state).size * state.record.bs);
    }
    for (const record of this.book.records.values()) if (record.peer === peer && isWaiting(record)) bytes += record.size;
    return bytes;
  }

  /**
   * An empty file has no blocks and no hash list: its root is the root of nothing (block-hashes.ts),
   * known from the offer, so it is complete at once (or failed, if the offered root is not that).
   */
  private async completeEmpty(state: Incoming): Promise<void> {
    const record = state.record;
    if (record.state !== 'active' || this.live.get(record.id) !== state) return;
    const empty = new Uint8Array(0);
    if (toHex(rootOf(record.size, record.bs, empty)) !== record.root) return this.failBadRoot(state);
    state.hashes = empty;
    await this.checkComplete(state);
  }

  /** The hash list does not give the offered root: the transfer fails here and the sender hears why. */
  private async failBadRoot(state: Incoming): Promise<void> {
    const record = state.record;
    record.state = 'failed';
    record.error = 'The hash list does not match the offered root; the transfer was stopped';
    await this.discard(state);
    await this.book.save(record);
    await this.book.send(record, filesCancel, { id: record.id, reason: 'bad-root' });
    if (record.peer) await this.pruneEnded(record.peer);
    await this.admit();
  }

  /** Tell the sender what we have (and whether we still need the hash list). */
  private async askResume(state: Incoming): Promise<void> {
    if (state.n === 0) return this.completeEmpty(state);
    state.lastAskAt = Date.now();
    state.lastChunkAt = Date.now();
    state.lastResumeAt = Date.now();
    const pieces = this.have(state).pieces();
    const first = pieces[0] ?? [];
    // More than 256 ranges: the rest are sent as NACK-free "have"s are implied by the first piece only; ask again later.
    const resume = { id: state.record.id, have: first, hashes: state.hashes === null };
    // Durable when the queue can take it; a disk still full refuses that row, and then the resume
    // goes within this session (without it the sender stays held while this side waits for blocks).
    await this.book.send(state.record, filesResume, resume).catch(() => this.book.send(state.record, filesResume, resume, undefined, true));
  }

  async onHashes(event: InboundEvent, header: FilesHashesHeader, payload: Uint8Array): Promise<void> {
    const state = this.ours(event, header.id);
    if (!state || state.hashes || state.record.state !== 'active') return;
    // The list comes in pieces of MAX_HASHES_PER_EVENT from multiples of it (the last one shorter):
    // anything else is ignored, so a sender cannot make the receiver keep and sort a piece per hash.
    const count = payload.length / HASH_BYTES;
    if (header.from % MAX_HASHES_PER_EVENT !== 0 || header.from >= state.n || count !== Math.min(MAX_HASHES_PER_EVENT, state.n - header.from)) return;
    state.hashParts ??= new Uint8Array(state.n * HASH_BYTES);
    state.hashParts.set(payload, header.from * HASH_BYTES);
    state.hashesHave.addRange(header.from, header.from + count);
    state.movedAt = Date.now();
    if (state.hashesHave.size < state.n) return;
    const record = state.record;
    const hashes = state.hashParts;
    state.hashParts = null;
    state.hashesHave = new BlockSet();
    if (toHex(rootOf(record.size, record.bs, hashes)) !== record.root) return this.failBadRoot(state);
    let blob: string | undefined;
    try {
      blob = await createBlob(this.ctx.blobs);
      await this.ctx.blobs.append(blob, piecesOf(hashes, BLOB_PIECE_BYTES));
    } catch (error) {
      // Held with why (the list is asked for again at the retry); a blob half written is not left behind.
      if (blob) await this.ctx.blobs.delete(blob).catch(() => undefined);
      return this.appendFailed(state, error as Error & { code?: string });
    }
    record.hashesBlob = blob;
    state.hashes = hashes;
    await this.book.save(record);
    if (state.n === 0) await this.checkComplete(state);
  }

  async onChunk(event: InboundEvent, header: FilesChunkHeader, payload: Uint8Array): Promise<void> {
    const state = this.ours(event, header.id);
    if (!state) return;
    const record = state.record;
    record.payloadBytes += payload.length;
    this.book.touch(record);
    state.lastChunkAt = Date.now();
    const i = header.i;
    if (record.state !== 'active' || i >= state.n) return;
    // Checked first: a block of the wrong length is never kept or remembered.
    if (payload.length !== blockLength(record.size, record.bs, i)) return state.hashes ? this.rejectBlock(state, i) : undefined;
    if (!state.hashes) return this.keepDropped(state, i);
    const hashed = this.hashBlock(payload);
    state.verifyingBytes += payload.length;
    state.verified = state.verified.then(async () => {
      try {
        await this.accept(state, i, payload, await hashed);
      } catch (error) {
        // Starting a run failed (a full disk, a locked persona): held with the reason, as a failed append is.
        await this.appendFailed(state, error as Error & { code?: string });
      } finally {
        state.verifyingBytes -= payload.length;
      }
    });
    // Backpressure: the bus ACKs this block when we return; blocks still being checked or
    // waiting for the disk past the bound hold that ACK, so a slow disk slows the sender.
    if (state.verifyingBytes >= VERIFY_AHEAD_BYTES) await state.verified;
  }

  /** Block `i` with its hash computed: checked, then kept in its run (in arrival order). */
  private async accept(state: Incoming, i: number, payload: Uint8Array, hash: Uint8Array): Promise<void> {
    if (this.live.get(state.record.id) !== state || state.record.state !== 'active' || !state.hashes) return;
    if (!equalBytes(hash, state.hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES))) return this.rejectBlock(state, i);
    if (this.holds(state, i)) return;
    let run = state.runs.find((r) => r.start + r.durable + r.buffered.length === i);
    if (!run) {
      if (state.runs.length >= MAX_RUNS) return this.keepDropped(state, i); // asked for again once the stream stalls
      run = { start: i, blob: await createBlob(this.ctx.blobs), durable: 0, buffered: [], flushing: null, timer: null };
      state.runs.push(run);
      state.runs.sort((a, b) => a.start - b.start);
      state.record.runs = state.runs.map((r) => ({ start: r.start, blob: r.blob }));
      await this.book.save(state.record);
    }
    // Kept as it came when it is most of its buffer (a datagram or a reassembled event of its own); a
    // small view is copied so it does not pin a larger buffer while it waits.
    run.buffered.push(payload.byteLength * 2 >= payload.buffer.byteLength ? payload : payload.slice());
    state.movedAt = Date.now();
    this.wake(state, i);
    await this.schedule(state, run);
  }

  /**
   * Remember block `i` (arrived, not kept) to ask for it again urgently at the next stall, unless
   * that would take more than {@link MAX_DROPPED_RANGES} separate ranges.
   */
  private keepDropped(state: Incoming, i: number): void {
    const dropped = state.dropped;
    if (dropped.has(i)) return;
    dropped.add(i);
    if (dropped.rangeCount > MAX_DROPPED_RANGES) dropped.remove(i);
  }

  /** A block of the wrong length or hash: counted, and asked for again at once. */
  private async rejectBlock(state: Incoming, i: number): Promise<void> {
    state.badBlocks++;
    this.ctx.log.warn('a file block failed its hash; asking for it again', { block: i });
    await this.book.send(state.record, filesNack, { id: state.record.id, ranges: [[i, i + 1]], urgent: true }, undefined, true).catch(() => undefined);
  }

  private wake(state: Incoming, i: number): void {
    const waiting = state.waiters.get(i);
    if (!waiting) return;
    state.waiters.delete(i);
    for (const resolve of waiting) resolve();
  }

  /** Every waiting reader looks again (and finds the transfer gone). */
  private wakeAll(state: Incoming): void {
    for (const resolvers of state.waiters.values()) for (const resolve of resolvers) resolve();
    state.waiters.clear();
  }

  private async schedule(state: Incoming, run: RunState): Promise<void> {
    const bytes = run.buffered.length * state.record.bs;
    const last = run.start + run.durable + run.buffered.length === state.n;
    if (bytes >= FLUSH_BYTES || last) this.flush(state, run);
    else if (!run.timer) run.timer = setTimeout(() => this.flush(state, run), FLUSH_AFTER_MS);
    // Backpressure: the bus ACKs this block only when we return, so a slow disk slows the sender.
    // The bound is per transfer, not per run: a seeking reader can open up to 64 runs.
    while (this.bufferedBytes(state) >= MAX_BUFFERED_BYTES) {
      for (const r of state.runs) if (r.buffered.length > 0) this.flush(state, r);
      const flushing = state.runs.flatMap((r) => (r.flushing ? [r.flushing] : []));
      if (flushing.length === 0) break;
      await Promise.race(flushing);
    }
  }

  private bufferedBytes(state: Incoming): number {
    let blocks = 0;
    for (const run of state.runs) blocks += run.buffered.length;
    return blocks * state.record.bs;
  }

  private flush(state: Incoming, run: RunState): void {
    if (run.timer) clearTimeout(run.timer), (run.timer = null);
    if (run.flushing || run.buffered.length === 0) return;
    const pieces = run.buffered.slice();
    run.flushing = this.ctx.blobs
      .append(run.blob, pieces)
      .then(async () => {
        run.durable += pieces.length;
        run.buffered.splice(0, pieces.length);
        run.flushing = null;
        if (run.buffered.length > 0) void this.schedule(state, run);
        await this.checkComplete(state);
      })
      .catch(async (error: Error & { code?: string }) => {
        run.flushing = null;
        await this.appendFailed(state, error);
      });
  }

  private async appendFailed(state: Incoming, error: Error & { code?: string }): Promise<void> {
    for (const run of state.runs) {
      run.buffered = [];
      if (run.timer) clearTimeout(run.timer), (run.timer = null);
    }
    const record = state.record;
    if (record.state !== 'active') return;
    if (error.code === 'KITH_ERR_LOCKED') return;
    // The host's cap on blobs is not a full disk: the user frees it by deleting files, not disk space.
    const tooMany = isBlobCap(error);
    const full = !tooMany && (error.code === 'KITH_ERR_DISK_FULL' || error.code === 'KITH_ERR_QUOTA');
    record.state = 'held';
    record.error = tooMany
      ? TOO_MANY_FILES_TEXT
      : full
        ? 'Paused: the disk is full. Nothing received is lost; the transfer continues once there is room.'
        : `Paused: writing the file failed (${error.code ?? error.message})`;
    this.ctx.log.warn('file transfer held', { code: error.code });
    await this.book.save(record).catch(() => undefined);
    // Durable if the queue can take it; a full disk may refuse that row too, and then the sender
    // still hears it within this session (the next session's resume starts over anyway).
    const notice = { id: record.id, reason: tooMany ? 'too-many-files' : full ? 'disk-full' : 'write-failed' };
    await this.book
      .send(record, filesHold, notice)
      .catch(() => this.book.send(record, filesHold, notice, undefined, true))
      .catch(() => undefined);
  }

  private async checkComplete(state: Incoming): Promise<void> {
    const record = state.record;
    if (record.state !== 'active' || !state.hashes) return;
    if (this.durableHave(state).size < state.n) return;
    // Every block matched its hash and the hashes matched the root: the file is the offered one.
    record.state = 'complete';
    record.paused = false; // a sender's last files.pause {paused:false} may come after the last block
    record.completedAt = Date.now();
    // A complete file never reads its hash list again: saved without it, then deleted (a kill
    // between leaves a blob no record names, deleted at the next start: orphan-blobs.ts).
    const hashList = record.hashesBlob;
    record.hashesBlob = null;
    // A reader still streaming it keeps its own reference; nothing else needs the state now, nor
    // the hash list in memory (a complete file's progress is its size: book.json).
    this.live.delete(record.id);
    state.hashes = null;
    this.book.progress.delete(record.id);
    await this.book.save(record);
    if (hashList) await this.ctx.blobs.delete(hashList).catch(() => undefined);
    // Its runs joined into one blob, in the background (complete-files.ts).
    this.tidy(record);
    await this.book.send(record, filesDone, { id: record.id, root: record.root });
    await this.admit();
  }

  /** The sender paused sending, or took it up again: shown on this side's row (nothing else changes). */
  async onPause(event: InboundEvent, header: FilesPauseHeader): Promise<void> {
    const record = this.book.get(header.id);
    if (!record || record.direction !== 'in' || record.peer !== event.peer) return;
    if (record.state === 'cancelled' || record.state === 'complete' || record.state === 'failed' || record.paused === header.paused) return;
    record.paused = header.paused;
    await this.book.save(record);
  }

  async onCancel(event: InboundEvent, header: FilesCancelHeader): Promise<void> {
    const waiting = this.book.get(header.id);
    if (waiting && waiting.peer === event.peer && isWaiting(waiting)) {
      // Not arriving: only what it kept when it gave up its place (yieldIdle) is on disk.
      await this.dropBlobs(waiting);
      this.requeuedAt.delete(waiting.id);
      waiting.waiting = false;
      waiting.state = 'cancelled';
      waiting.error = `The sender cancelled it (${header.reason})`;
      await this.book.save(waiting);
      await this.pruneEnded(event.peer);
      return;
    }
    const state = this.ours(event, header.id);
    if (!state || state.record.state === 'cancelled' || state.record.state === 'complete') return;
    await this.discard(state);
    state.record.state = 'cancelled';
    state.record.error = `The sender cancelled it (${header.reason})`;
    await this.book.save(state.record);
    await this.pruneEnded(event.peer);
    await this.admit();
  }

  /**
   * The user cancels a file coming in: both sides drop what they have. Everything here is done
   * first; the friend is told last, and someone who is no longer a friend is not told.
   */
  async cancel(record: TransferRecord): Promise<void> {
    const state = this.live.get(record.id);
    if (state) await this.discard(state);
    else await this.dropBlobs(record);
    this.requeuedAt.delete(record.id);
    record.waiting = false;
    record.state = 'cancelled';
    record.error = 'Cancelled';
    await this.book.save(record);
    if (record.peer) await this.pruneEnded(record.peer);
    await this.admit();
    await this.book.send(record, filesCancel, { id: record.id, reason: 'cancelled' }).catch((error: unknown) => {
      if (!isNotAFriend(error)) throw error;
    });
  }

  /**
   * `peer` is no longer a friend: every unfinished file from them ends here (its partial data and
   * hash list removed, the row cancelled, nothing sent), and waiting files of others may start.
   */
  async friendRemoved(peer: string): Promise<void> {
    this.offers.forget(peer);
    await this.endFriend(peer);
    await this.admit();
  }

  /** End `peer`'s unfinished files (at start, before anything arrives: see activate.ts). */
  async endFriend(peer: string): Promise<void> {
    for (const record of [...this.book.records.values()]) {
      if (record.direction !== 'in' || record.peer !== peer || !isUnfinished(record)) continue;
      const state = this.live.get(record.id);
      if (state) await this.discard(state);
      else await this.dropBlobs(record);
      this.requeuedAt.delete(record.id);
      record.waiting = false;
      record.paused = false;
      record.state = 'cancelled';
      record.error = NOT_A_FRIEND_TEXT;
      await this.book.save(record);
    }
    await this.pruneEnded(peer);
  }

  /** Remove the runs and hash list of a record not in memory (waiting, or not loaded). */
  private async dropBlobs(record: TransferRecord): Promise<void> {
    for (const blob of [...record.runs.map((r) => r.blob), record.hashesBlob]) if (blob) await this.ctx.blobs.delete(blob).catch(() => undefined);
    record.runs = [];
    record.hashesBlob = null;
  }

  /**
   * Keep the newest {@link MAX_ENDED_PER_FRIEND} ended incoming transfers from `peer` (by offer
   * time); forget the rest (their blobs went when they ended).
   */
  private async pruneEnded(peer: string): Promise<void> {
    const ended: TransferRecord[] = [];
    for (const record of this.book.records.values()) if (record.direction === 'in' && record.peer === peer && isEnded(record)) ended.push(record);
    if (ended.length <= MAX_ENDED_PER_FRIEND) return;
    ended.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    for (const record of ended.slice(MAX_ENDED_PER_FRIEND)) {
      if (this.live.has(record.id)) continue;
      for (const blob of [...record.runs.map((r) => r.blob), record.hashesBlob]) if (blob) await this.ctx.blobs.delete(blob).catch(() => undefined);
      await this.book.forget(record.id);
    }
  }

  /** Remove partial data and the hash list. */
  async discard(state: Incoming): Promise<void> {
    await state.verified; // blocks being checked settle first, so none lands in a run removed here
    for (const run of state.runs) {
      if (run.timer) clearTimeout(run.timer);
      if (run.flushing) await run.flushing.catch(() => undefined);
      await this.ctx.blobs.delete(run.blob).catch(() => undefined);
    }
    if (state.record.hashesBlob) await this.ctx.blobs.delete(state.record.hashesBlob).catch(() => undefined);
    state.runs = [];
    state.record.runs = [];
    state.record.hashesBlob = null;
    state.hashes = null;
    this.wakeAll(state);
    this.live.delete(state.record.id);
  }

  /** A session opened: every unfinished transfer from that friend says what it has. */
  async onSessionOpen(peer: string): Promise<void> {
    for (const state of this.live.values()) {
      const record = state.record;
      if (record.peer !== peer || (record.state !== 'active' && record.state !== 'held')) continue;
      if (record.state === 'held') {
        record.state = 'active';
        record.error = null;
        await this.book.save(record);
      }
      await this.askResume(state);
    }
  }

  /**
   * Every second: ask again for what a stalled transfer lacks; retry one held by a full disk. One
   * transfer's failure (a send refused) does not stop the others' turn.
   */
  async tick(): Promise<void> {
    const failures: Error[] = [];
    await this.yieldIdle().catch((error: Error) => failures.push(error));
    for (const state of this.live.values()) await this.tickOne(state).catch((error: Error) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }

  private async tickOne(state: Incoming): Promise<void> {
    const now = Date.now();
    const record = state.record;
    if (!record.peer || !this.ctx.sessions.get(record.peer)) return;
    if (record.state === 'held' && now - state.lastAskAt > DISK_RETRY_MS) {
      const error = record.error;
      record.state = 'active';
      record.error = null;
      // A disk still full refuses the row too (kept due, book.flushDirty); try the blocks anyway.
      await this.book.save(record).catch(() => undefined);
      try {
        await this.askResume(state);
      } catch (failure) {
        // Not even within the session: still held, and the next retry tries again.
        record.state = 'held';
        record.error = error;
        throw failure;
      }
      return;
    }
    if (record.state !== 'active' || now - state.lastChunkAt < STALL_MS || now - state.lastAskAt < STALL_MS) return;
    if (!state.hashes || now - state.lastResumeAt > RESUME_AGAIN_MS) {
      // A resume says everything this side has, and takes a sender out of a hold it missed the end of.
      await this.askResume(state);
      return;
    }
    const have = this.have(state);
    const missing = BlockSet.missing(state.n, have).pieces()[0];
    state.lastAskAt = now;
    for (const [a, b] of have.toArray()) state.dropped.removeRange(a, b);
    // Urgent NACKs carry at most MAX_URGENT_BLOCKS each (what a sender honours); what is left waits for the next stall.
    for (let k = 0; k < MAX_DROPPED_NACKS_PER_STALL && !state.dropped.isEmpty; k++) {
      const ranges = state.dropped.head(MAX_URGENT_BLOCKS);
      for (const [a, b] of ranges) state.dropped.removeRange(a, b);
      await this.book.send(record, filesNack, { id: record.id, ranges, urgent: true }, undefined, true);
    }
    if (missing && missing.length > 0) await this.book.send(record, filesNack, { id: record.id, ranges: missing, urgent: false }, undefined, true);
  }

  /**
   * The bytes `[offset, offset + length)` as they are now or as soon as they arrive: a block not
   * here yet is asked for first (an urgent NACK, the way a seek of a `<video>` gets its bytes).
   */
  async *read(record: TransferRecord, offset: number, length: number): AsyncIterable<Uint8Array> {
    if (isWaiting(record)) throw filesErrors.create('BAD_STATE', record.error ?? WAITING_TEXT);
    // A complete file is read from its runs as they are on disk, without keeping any state.
    let state = record.state === 'complete' ? (this.live.get(record.id) ?? (await this.build(record))) : await this.incoming(record);
    const bs = record.bs;
    let at = offset;
    const end = offset + length;
    while (at < end) {
      if (isWaiting(record)) throw filesErrors.create('BAD_STATE', record.error ?? WAITING_TEXT);
      if (!this.live.has(record.id) && record.state !== 'complete') throw new KithError('KITH_ERR_NOT_FOUND', 'The transfer was cancelled');
      // Its runs were joined meanwhile (complete-files.ts): read on from the blob that holds them now.
      if (record.state === 'complete' && !sameBlobs(state.runs, record.runs)) state = await this.build(record);
      const i = Math.floor(at / bs);
      const run = state.runs.find((r) => r.start <= i && i < r.start + r.durable + r.buffered.length);
      if (!run) {
        await this.waitFor(state, i);
        continue;
      }
      if (i < run.start + run.durable) {
        const stop = Math.min(end, Math.min((run.start + run.durable) * bs, record.size));
        try {
          for await (const piece of this.ctx.blobs.readStream(run.blob, { offset: at - run.start * bs, length: stop - at })) {
            yield piece;
            at += piece.length;
          }
        } catch (error) {
          // Joined between the look above and this read: that run's blob is gone, the next turn reads the joined one.
          if (sameBlobs(state.runs, record.runs)) throw error;
        }
      } else {
        const block = run.buffered[i - run.start - run.durable]!;
        const from = at - i * bs;
        const stop = Math.min(end - i * bs, block.length);
        yield block.subarray(from, stop);
        at = i * bs + stop;
      }
    }
  }

  private async waitFor(state: Incoming, i: number): Promise<void> {
    const record = state.record;
    if (record.state !== 'active') throw filesErrors.create('BAD_STATE', record.error ?? 'The transfer is not moving');
    const connected = () => record.peer !== null && this.ctx.sessions.get(record.peer) !== undefined;
    const arrived = new Promise<void>((resolve, reject) => {
      // A seek while the friend has paused waits too: they may go on within the wait (the seek's
      // bytes then come first). If not, the answer says why nothing came. With the friend not
      // connected the wait is short: a player hears at once that the bytes come later.
      const why = () =>
        record.paused
          ? filesErrors.create('BAD_STATE', 'The friend paused this transfer: these bytes come once they go on')
          : !connected()
            ? new KithError('KITH_ERR_NO_SESSION', 'The friend is not connected: these bytes come once they are back')
            : new KithError('KITH_ERR_TIMEOUT', 'Those bytes did not arrive in time');
      const timer = setTimeout(() => reject(why()), connected() ? READ_WAIT_MS : OFFLINE_READ_WAIT_MS);
      const list = state.waiters.get(i) ?? [];
      list.push(() => (clearTimeout(timer), resolve()));
      state.waiters.set(i, list);
    });
    if (state.waiters.get(i)!.length === 1 && record.peer && this.ctx.sessions.get(record.peer)) {
      // Ask for a window from the seek point first, so playback can go on from there.
      const want = BlockSet.missing(state.n, this.have(state));
      const window = want.runFrom(i, 64);
      if (window) await this.book.send(record, filesNack, { id: record.id, ranges: [window], urgent: true }, undefined, true).catch(() => undefined);
    }
    await arrived;
  }

  stop(): void {
    for (const state of this.live.values()) {
      for (const run of state.runs) if (run.timer) clearTimeout(run.timer), (run.timer = null);
    }
  }
}
