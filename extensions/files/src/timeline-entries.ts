import { KithError, MAX_SLOT_ENTRIES, type SlotEntriesAnswer } from '@kith/sdk';
import type { TransferRecord } from './transfer-store.js';

/** The route chat reads its `chat.timeline` entries from (manifest: the view's `entries`). */
export const TIMELINE_ROUTE = '/files/timeline';

/**
 * The files of one conversation as entries of chat's timeline, placed when the file was sent or
 * offered: every transfer with `peer` (a friend's master key, or `self` for files to yourself),
 * cancelled and failed ones included (their row says so until the user removes them).
 */
export function timelineEntries(records: Iterable<TransferRecord>, peer: unknown): SlotEntriesAnswer {
  if (typeof peer !== 'string' || (peer !== 'self' && !/^[0-9a-f]{64}$/.test(peer))) {
    throw new KithError('KITH_ERR_BAD_REQUEST', "peer is a friend's master key (64 hex) or self");
  }
  const entries = [...records]
    .filter((r) => (peer === 'self' ? r.peer === null : r.peer === peer))
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, MAX_SLOT_ENTRIES)
    .map((r) => ({ id: r.id, at: r.createdAt, from_me: r.direction !== 'in', label: `File ${r.name}, ${shortSize(r.size)}` }));
  return { entries };
}

/** "2.1 MB": enough for a screen reader's name of the row (the row itself shows the exact size). */
function shortSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
