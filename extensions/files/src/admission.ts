/**
 * How many files may arrive at once, and whose turn it is. A transfer that is arriving holds
 * memory (its hash list, 32 bytes a block; up to 8 MiB of verified blocks waiting for the disk;
 * 1 MiB being checked), so a friend who offers a thousand files at once, by mistake or on purpose,
 * must not get a thousand of them: the rest wait their turn (the sender hears `files.hold`
 * `queued`), and past a bound they are refused (`files.cancel` `busy`) without anything stored.
 *
 * Fair between friends, so one friend (hostile, or just offline with files half sent) cannot
 * stall everyone else's files:
 * - one friend gets at most {@link MAX_ARRIVING_PER_FRIEND} of the {@link MAX_ARRIVING} places
 *   and at most {@link MAX_ARRIVING_HASH_BYTES_PER_FRIEND} of the hash-list budget (half: two
 *   16 GiB offers in 16 KiB blocks no longer take all of it);
 * - a waiting file starts in turn by friend: of the files that fit, one from the friend with the
 *   fewest arriving goes first, then the oldest offer;
 * - a file that has moved nothing (no block or hash piece kept) for {@link IDLE_YIELD_MS},
 *   connected or not, while another friend's file waits, gives up its place and waits again
 *   (receiver.ts `yieldIdle`): nothing of it is dropped, it goes on from there at its next turn.
 * - room on disk is promised only to files arriving (receiver.ts `refusal`): a friend's waiting
 *   offers count against that friend's next offers only, never another friend's.
 */
import { HASH_BYTES, blockCount } from './block-hashes.js';
import type { TransferRecord } from './transfer-store.js';

/** Files from one friend arriving at once. */
export const MAX_ARRIVING_PER_FRIEND = 4;
/** Files from everyone arriving at once. */
export const MAX_ARRIVING = 8;
/**
 * Hash lists of the files arriving at once, together (a 16 GiB file in 64 KiB blocks has 8 MiB).
 * One file always may arrive, whatever its list.
 */
export const MAX_ARRIVING_HASH_BYTES = 64 * 1024 * 1024;
/** Hash lists of one friend's files arriving at once: the largest list (16 GiB in 16 KiB blocks) fits. */
export const MAX_ARRIVING_HASH_BYTES_PER_FRIEND = MAX_ARRIVING_HASH_BYTES / 2;
/** Offers from one friend waiting for their turn; past this they are refused. */
export const MAX_WAITING_PER_FRIEND = 256;
/** An arriving file that moved nothing for this long gives its place to another friend's waiting file. */
export const IDLE_YIELD_MS = 60_000;

/** What the receiver shows for a file waiting for its turn. */
export const WAITING_TEXT = 'Waiting: other files arrive first';

/** The hash list a record needs while it arrives, in bytes. */
export function hashListBytes(record: Pick<TransferRecord, 'size' | 'bs'>): number {
  return blockCount(record.size, record.bs) * HASH_BYTES;
}

/** Whether `record` may start arriving beside the files in `arriving`. */
export function mayArrive(record: TransferRecord, arriving: Iterable<TransferRecord>): boolean {
  let total = 0;
  let fromFriend = 0;
  let hashBytes = 0;
  let friendHashBytes = 0;
  for (const other of arriving) {
    total++;
    hashBytes += hashListBytes(other);
    if (other.peer === record.peer) {
      fromFriend++;
      friendHashBytes += hashListBytes(other);
    }
  }
  if (total === 0) return true;
  const mine = hashListBytes(record);
  return total < MAX_ARRIVING && fromFriend < MAX_ARRIVING_PER_FRIEND && hashBytes + mine <= MAX_ARRIVING_HASH_BYTES && friendHashBytes + mine <= MAX_ARRIVING_HASH_BYTES_PER_FRIEND;
}

/**
 * The waiting file to start next beside `arriving`, or undefined: of those that fit, one from the
 * friend with the fewest files arriving, then the one waiting longest (`queuedAt`: the offer's
 * time, or when a file that gave up its place went back to waiting).
 */
export function nextToArrive(
  waiting: Iterable<TransferRecord>,
  arriving: readonly TransferRecord[],
  queuedAt: (record: TransferRecord) => number = (record) => record.createdAt,
): TransferRecord | undefined {
  const perFriend = new Map<string | null, number>();
  for (const record of arriving) perFriend.set(record.peer, (perFriend.get(record.peer) ?? 0) + 1);
  let best: TransferRecord | undefined;
  let bestCount = 0;
  for (const record of waiting) {
    if (!isWaiting(record)) continue;
    const count = perFriend.get(record.peer) ?? 0;
    if (best && (count > bestCount || (count === bestCount && !queuedBefore(record, best, queuedAt)))) continue;
    if (!mayArrive(record, arriving)) continue;
    best = record;
    bestCount = count;
  }
  return best;
}

function queuedBefore(a: TransferRecord, b: TransferRecord, queuedAt: (record: TransferRecord) => number): boolean {
  const at = queuedAt(a);
  const bt = queuedAt(b);
  return at < bt || (at === bt && a.id < b.id);
}

/** Unfinished inbound records that wait for their turn, oldest offer first. */
export function waitingInOrder(records: Iterable<TransferRecord>): TransferRecord[] {
  return [...records].filter(isWaiting).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

export function isWaiting(record: TransferRecord): boolean {
  return record.direction === 'in' && record.state === 'held' && record.waiting === true;
}
