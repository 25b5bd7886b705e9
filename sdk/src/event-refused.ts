/**
 * Refusing one inbound event. A kind handler that throws an {@link EventRefused} (or returns a
 * promise rejected with one) refuses that event alone: the sender gets a NACK with reason
 * `refused` and the given text as its message, and the extension keeps running. A `KithError` is
 * taken the same way (the sender reads only its code), except `KITH_ERR_LOCKED`,
 * `KITH_ERR_CONTEXT_REVOKED` and `KITH_ERR_DISK_FULL`, which leave the event for the sender to send
 * again. Any other throw is a bug: it faults the extension.
 */

/** Longest refusal text the host sends; a longer one is cut to this many characters. */
export const MAX_REFUSAL_LENGTH = 200;

/** Throw from a kind handler to refuse one event; `reason` (your words) reaches the sender's `onDidNack`. */
export class EventRefused extends Error {
  /** What the sender's NACK report carries as `message`. */
  readonly reason: string;

  constructor(reason: string) {
    if (typeof reason !== 'string' || reason.trim().length === 0) throw new TypeError('EventRefused needs a non-empty reason');
    super(reason);
    this.name = 'EventRefused';
    this.reason = reason;
  }
}

/** True when `value` is an {@link EventRefused} (also across copies of the SDK bundled into extensions). */
export function isEventRefused(value: unknown): value is EventRefused {
  return (
    value instanceof EventRefused ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'EventRefused' &&
      typeof (value as { reason?: unknown }).reason === 'string')
  );
}
