/**
 * What a received file keeps once complete: its bytes in as few blobs as is cheap, and no hash
 * list (a complete file is read from its runs and never checks a hash again; the receiver drops
 * the list when the file completes). Each blob counts against the host's cap (blob-budget.ts), and
 * a sender that sends blocks out of order, or a `<video>` seeking, leaves one run per gap: up to
 * 64 blobs for one file.
 *
 * Joining: the run that starts at block 0 holds a prefix of the file, so the bytes after it are
 * appended to its blob, in order, read from the other runs; the record is saved with that one run;
 * then the other runs are deleted. Only the bytes that arrived out of order are copied. Every step
 * may be cut short (a kill -9, a full disk, a lock) and leaves a readable file: a half-done append
 * only adds the file's next bytes to a blob that already held its prefix (the runs overlap, and a
 * read takes any run that holds a block), and a kill after the save leaves old runs no record
 * names, which the next start deletes (orphan-blobs.ts). A join cut short runs again at the next
 * start (receiver.ts `restore`), from where the first run's blob ends.
 *
 * Cost: joining copies at most the file once. It is done when that is at most
 * {@link JOIN_ALWAYS_BYTES}, or when the file has more than {@link JOIN_RUNS_ABOVE} runs: a large
 * video seeked once or twice keeps its two or three blobs rather than copying gigabytes again;
 * many runs (blocks sent out of order, on purpose or by many seeks) are joined whatever the size.
 */
import { KithError, type BlobId, type Blobs } from '@kith/sdk';
import type { TransferBook } from './transfer-book.js';
import type { TransferRecord } from './transfer-store.js';

/** Bytes a join copies whatever the number of runs (a second or so of disk). */
export const JOIN_ALWAYS_BYTES = 64 * 1024 * 1024;
/** More runs than this are joined whatever the bytes to copy. */
export const JOIN_RUNS_ABOVE = 4;

/** The bytes `[from, to)` of the file a run's blob durably holds. */
interface Span {
  readonly blob: BlobId;
  readonly from: number;
  readonly to: number;
}

/** Tidy a complete received file: drop a hash list an older version kept, and join its runs. */
export async function tidyComplete(book: TransferBook, record: TransferRecord): Promise<void> {
  // Deleted from this device while it waited for its turn: nothing of it is saved again.
  if (record.direction !== 'in' || record.state !== 'complete' || book.get(record.id) !== record) return;
  const hashList = record.hashesBlob;
  if (hashList) {
    // Saved first: a kill before the delete leaves a blob no record names (deleted at the next start).
    record.hashesBlob = null;
    await book.save(record);
    await book.ctx.blobs.delete(hashList).catch(() => undefined);
  }
  await joinRuns(book, record);
}

/** Join the runs of a complete file into its first one (see the top of this file). */
export async function joinRuns(book: TransferBook, record: TransferRecord): Promise<void> {
  if (record.runs.length < 2 || book.get(record.id) !== record) return;
  const blobs = book.ctx.blobs;
  const spans: Span[] = [];
  for (const run of record.runs) {
    const from = run.start * record.bs;
    spans.push({ blob: run.blob, from, to: Math.min(record.size, from + (await blobs.size(run.blob).catch(() => 0))) });
  }
  if (book.get(record.id) !== record) return;
  const first = furthest(spans, 0);
  const copies = first && whereBytesAre(spans, first.to, record.size);
  if (!first || !copies) throw new KithError('KITH_ERR_INTERNAL', 'the runs of a complete file leave a gap');
  const bytes = record.size - first.to;
  if (bytes > JOIN_ALWAYS_BYTES && record.runs.length <= JOIN_RUNS_ABOVE) return;
  if (bytes > 0) await blobs.append(first.blob, read(blobs, copies));
  // Deleted from this device while the bytes were copied: nothing of it is saved again.
  if (book.get(record.id) !== record) return;
  const old = record.runs.filter((run) => run.blob !== first.blob);
  record.runs = [{ start: 0, blob: first.blob }];
  await book.save(record);
  for (const run of old) await blobs.delete(run.blob).catch(() => undefined);
}

/** Of the spans holding byte `at`, the one that goes furthest. */
function furthest(spans: readonly Span[], at: number): Span | undefined {
  let best: Span | undefined;
  for (const span of spans) if (span.from <= at && at < span.to && (!best || span.to > best.to)) best = span;
  return best;
}

/** Where the bytes `[from, to)` are, in order; null when a byte is in no span. */
function whereBytesAre(spans: readonly Span[], from: number, to: number): { blob: BlobId; offset: number; length: number }[] | null {
  const pieces: { blob: BlobId; offset: number; length: number }[] = [];
  for (let at = from; at < to; ) {
    const span = furthest(spans, at);
    if (!span) return null;
    const end = Math.min(to, span.to);
    pieces.push({ blob: span.blob, offset: at - span.from, length: end - at });
    at = end;
  }
  return pieces;
}

async function* read(blobs: Blobs, pieces: readonly { blob: BlobId; offset: number; length: number }[]): AsyncIterable<Uint8Array> {
  for (const piece of pieces) yield* blobs.readStream(piece.blob, { offset: piece.offset, length: piece.length });
}
