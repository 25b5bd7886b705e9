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
/** Items of one answer the shell looks at; the rest are not read. */
export const MAX_SLOT_ENTRY_ITEMS = 10_000;
/** The times a JavaScript Date can hold (±100,000,000 days from 1970): an entry's `at` must be within. */
export const MAX_SLOT_ENTRY_TIME = 8.64e15;

/**
 * Whether `path` may be a view's `entries` route: literal segments only (no `:param`, no query),
 * none of them `.` or `..`. The host checks manifests with it, the shell again before reading.
 */
export function isEntriesPath(path: unknown): path is string {
  return typeof path === 'string' && path.length <= 200 && /^(\/[A-Za-z0-9._~-]+)+$/.test(path) && !path.split('/').some((segment) => /^\.+$/.test(segment));
}

/** The view an answer came from, as the shell knows it. */
export interface SlotEntrySource {
  readonly extension: string;
  readonly view: string;
  /** The view's title: the name of an entry without a label. */
  readonly title: string;
  /** The contributing extension's display name, and whether it ships with Kith. */
  readonly extensionName: string;
  readonly builtIn: boolean;
}

/**
 * The entries of one view's answer (a `SlotEntriesAnswer`), checked: entries with a bad id or time
 * are dropped, labels are cleaned (cleanText) and cut to length, ids repeated keep their first entry, and only the newest
 * {@link MAX_SLOT_ENTRIES} remain (of the first {@link MAX_SLOT_ENTRY_ITEMS} items). Oldest first.
 */
export function readSlotEntries(answer: unknown, source: SlotEntrySource): SlotEntry[] {
  const { extension, view, title } = source;
  const list = answer && typeof answer === 'object' ? (answer as { entries?: unknown }).entries : undefined;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const entries: SlotEntry[] = [];
  for (const raw of list.slice(0, MAX_SLOT_ENTRY_ITEMS)) {
    if (!raw || typeof raw !== 'object') continue;
    const { id, at, from_me: fromMe, label } = raw as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_SLOT_ENTRY_ID || seen.has(id)) continue;
    // Outside a Date's range a time cannot be shown (and would break every day separator).
    if (typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at) > MAX_SLOT_ENTRY_TIME) continue;
    seen.add(id);
    entries.push({
      key: `${extension}/${view}/${id}`,
      extension,
      view,
      id,
      at,
      fromMe: fromMe === true,
      extensionName: source.extensionName,
      builtIn: source.builtIn,
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
