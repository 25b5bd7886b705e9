/**
 * How many files may arrive at once. A transfer that is arriving holds memory (its hash list, 32
 * bytes a block; up to 8 MiB of verified blocks waiting for the disk; 1 MiB being checked), so a
 * friend who offers a thousand files at once, by mistake or on purpose, must not get a thousand
 * of them: the rest wait their turn (the sender hears `files.hold` `queued`), and past a bound
 * they are refused (`files.cancel` `busy`) without anything stored.
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
/** Offers from one friend waiting for their turn; past this they are refused. */
export const MAX_WAITING_PER_FRIEND = 256;

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
  for (const other of arriving) {
    total++;
    if (other.peer === record.peer) fromFriend++;
    hashBytes += hashListBytes(other);
  }
  if (total === 0) return true;
  return total < MAX_ARRIVING && fromFriend < MAX_ARRIVING_PER_FRIEND && hashBytes + hashListBytes(record) <= MAX_ARRIVING_HASH_BYTES;
}

/** Unfinished inbound records that wait for their turn, oldest offer first. */
export function waitingInOrder(records: Iterable<TransferRecord>): TransferRecord[] {
  return [...records].filter(isWaiting).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

export function isWaiting(record: TransferRecord): boolean {
  return record.direction === 'in' && record.state === 'held' && record.waiting === true;
}
