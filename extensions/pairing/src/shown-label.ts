/**
 * Labels people see: the name a friend gave themselves (in their identity card or invite) and the
 * one the user types for a friend, under the SDK's rule for shown names. A friend's own label is
 * cleaned rather than refused, so a hostile one can neither spoof a name nor make the save fail
 * after the keys were exchanged (which left the pairing saved on one side only).
 */
import { cleanLabel, hasUnshowable, KithError } from '@kith/sdk';

/** A friend's own label as it may be shown and saved; `Friend` when nothing showable is left. */
export function cleanFriendLabel(label: string): string {
  return cleanLabel(label, 'Friend');
}

/** The user's label for a friend, checked before any pairing starts (400 when it would be refused at the save). */
export function checkOwnLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  if (label.trim().length === 0 || hasUnshowable(label)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'label must be printable: no control, direction-changing or invisible characters');
  }
  return label;
}
