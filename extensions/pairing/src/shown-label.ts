/**
 * Labels people see: the name a friend gave themselves (in their identity card or invite) and the
 * one the user types for a friend. The host refuses to save a friend label holding controls, bidi
 * overrides or invisible marks ("\u202Eecila" shows as "alice"); a friend's own label is cleaned
 * here instead, so a hostile one can neither spoof a name nor make the save fail after the keys
 * were exchanged (which left the pairing saved on one side only).
 */
import { KithError } from '@kith/sdk';

export const MAX_SHOWN_LABEL = 64;
/** Controls, separators, bidi embeddings/overrides/isolates, invisible marks (ZWJ and ZWNJ stay). */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** A friend's own label as it may be shown and saved; `Friend` when nothing showable is left. */
export function cleanFriendLabel(label: string): string {
  const cleaned = label.replace(UNSHOWABLE, '').trim().slice(0, MAX_SHOWN_LABEL).trim();
  return cleaned.length > 0 ? cleaned : 'Friend';
}

/** The user's label for a friend, checked before any pairing starts (400 when it would be refused at the save). */
export function checkOwnLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  UNSHOWABLE.lastIndex = 0;
  if (label.trim().length === 0 || UNSHOWABLE.test(label)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'label must be printable: no control, direction-changing or invisible characters');
  }
  return label;
}
