/**
 * How a pairing run ends when it does not succeed. Once a run has sent its key confirmation (the
 * one guess its share gives away) it never ends in silence: every failure after that is a
 * `KITH_ERR_PAIRING_MISMATCH` the person sees, with `details.reason` saying which kind.
 */
import { KithError } from '@kith/sdk';

/** Why a bound pairing failed. */
export type MismatchReason =
  /** The partner's confirmation did not verify: one side typed a wrong code (or guessed). */
  | 'wrong-code'
  /** The partner is pairing with someone else: a third share got into the room. */
  | 'interference'
  /** The partner never confirmed (or left): a wrong code, an attacker keeping quiet, or interference. */
  | 'unconfirmed';

const MESSAGES: Record<MismatchReason, string> = {
  'wrong-code': 'Pairing failed: someone used a wrong code. Start again with a new code',
  interference: 'Pairing failed: someone else answered this code too (interference). Start again with a new code',
  unconfirmed: 'Pairing failed: someone answered this code but never confirmed it (a wrong code, or interference). Start again with a new code',
};

export function mismatch(reason: MismatchReason): KithError {
  return new KithError('KITH_ERR_PAIRING_MISMATCH', MESSAGES[reason], { reason });
}

/** Nobody answered: no share was bound, so nothing was given away. */
export function nobodyJoined(): KithError {
  return new KithError('KITH_ERR_TIMEOUT', 'Nobody joined with this pairing code in time; check the code and try again', { reason: 'nobody-joined' });
}

/** The friend proved the code, but the card exchange did not finish before the deadline. */
export function unfinished(): KithError {
  return new KithError('KITH_ERR_TIMEOUT', 'Your friend confirmed the code, but the pairing did not finish in time. Start again with a new code', {
    reason: 'unfinished',
  });
}

export function cancelled(): KithError {
  return new KithError('KITH_ERR_CONFLICT', 'The pairing was cancelled');
}
