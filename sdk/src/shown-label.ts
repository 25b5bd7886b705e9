/**
 * Names shown to people (a persona, a friend, a group, a file's sender): one rule for the host and
 * every extension, so a label that one of them refuses is never shown by another.
 */

/** Longest label, in UTF-16 code units. */
export const MAX_LABEL_CHARS = 64;

/**
 * Characters a shown name must not hold: controls (C0, DEL, C1), line and paragraph separators,
 * bidi embeddings, overrides and isolates (U+202E shows "\u202Eecila" as "alice"), and invisible
 * marks (zero-width space, LRM/RLM and the Arabic letter mark, soft hyphen, Mongolian vowel
 * separator, word joiners, BOM). Zero-width joiner and non-joiner stay:
 * emoji sequences and several scripts (Persian, Indic) need them.
 */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNSHOWABLE_ALL = new RegExp(UNSHOWABLE.source, 'g');

/** Whether `label` holds a character no shown name may hold (see above). */
export function hasUnshowable(label: string): boolean {
  return UNSHOWABLE.test(label);
}

/**
 * `label` trimmed, when it is 1 to {@link MAX_LABEL_CHARS} characters with nothing unshowable;
 * else undefined. For labels a user types: refuse, do not rewrite what they meant.
 */
export function showableLabel(label: unknown): string | undefined {
  if (typeof label !== 'string') return undefined;
  const trimmed = label.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_LABEL_CHARS && !hasUnshowable(trimmed) ? trimmed : undefined;
}

/**
 * A label from someone else (a peer's own name, a remote title) made showable: unshowable
 * characters removed, trimmed, cut to {@link MAX_LABEL_CHARS}; `fallback` when nothing is left.
 * For labels that arrive over the network: a hostile one can neither spoof a name nor fail a save.
 */
export function cleanLabel(label: unknown, fallback: string): string {
  return cleanText(label, MAX_LABEL_CHARS, fallback);
}

/** {@link cleanLabel} for a longer text (an entry's accessible name): cut at `max` instead. */
export function cleanText(text: unknown, max: number, fallback: string): string {
  if (typeof text !== 'string') return fallback;
  // Cut at the limit without splitting a surrogate pair.
  const cleaned = text.replace(UNSHOWABLE_ALL, '').trim().slice(0, max).replace(/[\ud800-\udbff]$/, '').trim();
  return cleaned.length > 0 && !hasUnshowable(cleaned) ? cleaned : fallback;
}
