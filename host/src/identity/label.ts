import { KithError } from '@kith/sdk';

/** Longest persona or friend label, in UTF-16 code units. */
export const MAX_LABEL_CHARS = 64;

/**
 * Characters a name shown to people must not hold: controls (C0, DEL, C1), line and paragraph
 * separators, bidi embeddings, overrides and isolates (U+202E shows "\u202Eecila" as "alice"),
 * and invisible marks (zero-width space, LRM/RLM, word joiners, BOM). Zero-width joiner and
 * non-joiner stay: emoji sequences and several scripts need them.
 */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** A label trimmed, 1-64 characters, nothing unshowable; else 400 with `message`. */
export function checkLabel(label: unknown, message: string): string {
  const trimmed = typeof label === 'string' ? label.trim() : '';
  if (trimmed.length === 0 || trimmed.length > MAX_LABEL_CHARS || UNSHOWABLE.test(trimmed)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', message);
  }
  return trimmed;
}
