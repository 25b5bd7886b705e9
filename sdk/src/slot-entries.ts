import { cleanText } from './shown-label.js';
import type { SlotEntry } from './ui.js';

/**
 * The UI event an extension's host code emits (`ctx.events.emit(SLOT_ENTRIES_CHANGED, {})`) when
 * the entries its `entries` routes answer have changed: the shell reads them again.
 */
export const SLOT_ENTRIES_CHANGED = 'slot-entries-changed';
/** Most entries the shell takes from one view's `entries` route (the newest, by `at`). */
export const MAX_SLOT_ENTRIES = 500;
/** Longest entry id and label the shell accepts. */
export const MAX_SLOT_ENTRY_ID = 128;
export const MAX_SLOT_ENTRY_LABEL = 200;

/**
 * The entries of one view's answer (a `SlotEntriesAnswer`), checked: entries with a bad id or time
 * are dropped, labels are cleaned (cleanText) and cut to length, ids repeated keep their first entry, and only the newest
 * {@link MAX_SLOT_ENTRIES} remain. Oldest first. `title` names an entry without a label.
 */
export function readSlotEntries(answer: unknown, extension: string, view: string, title: string): SlotEntry[] {
  const list = answer && typeof answer === 'object' ? (answer as { entries?: unknown }).entries : undefined;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const entries: SlotEntry[] = [];
  for (const raw of list.slice(0, MAX_SLOT_ENTRIES * 4)) {
    if (!raw || typeof raw !== 'object') continue;
    const { id, at, from_me: fromMe, label } = raw as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_SLOT_ENTRY_ID || seen.has(id)) continue;
    if (typeof at !== 'number' || !Number.isFinite(at)) continue;
    seen.add(id);
    entries.push({
      key: `${extension}/${view}/${id}`,
      extension,
      view,
      id,
      at,
      fromMe: fromMe === true,
      // Shown to screen readers as the row's name: no bidi overrides or invisible marks from a contributor.
      label: cleanText(label, MAX_SLOT_ENTRY_LABEL, title),
    });
  }
  return sortEntries(entries).slice(-MAX_SLOT_ENTRIES);
}

/** Oldest first; equal times by key, so every reader orders them alike. */
export function sortEntries(entries: SlotEntry[]): SlotEntry[] {
  return entries.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
