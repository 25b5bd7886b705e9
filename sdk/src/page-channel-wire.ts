/**
 * How page channels travel on the page's socket.io connection (`/api/ws`). The names start with
 * `~`, which no extension id can, so they never mix with `<ext-id>:<event>` UI events.
 *
 * - page → host `~pc:open` `{ extension, name }`, acknowledged with an {@link OpenAnswer}.
 * - both ways `~pc:m` `(id, message)`: one message; binary parts travel as socket.io attachments.
 * - both ways `~pc:credit` `(id, messages, bytes)`: the sender may put that much more in flight.
 * - both ways `~pc:close` `(id, reason)`: `closed` or `protocol-error`.
 */
import { KithError } from './errors.js';
import type { ChannelTerms } from './page-channel-endpoint.js';
import { PAGE_CHANNEL_LIMITS, type PageChannelOptions } from './page-channel.js';

export const CHANNEL_EVENTS = Object.freeze({
  open: '~pc:open',
  message: '~pc:m',
  credit: '~pc:credit',
  close: '~pc:close',
});

/** A channel id: 32 lowercase hex characters, chosen by the host. */
export const CHANNEL_ID = /^[0-9a-f]{32}$/;

export interface OpenRequest {
  readonly extension: string;
  readonly name: string;
}

export type OpenAnswer =
  | { readonly ok: true; readonly id: string; readonly page: string; readonly terms: ChannelTerms }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** The terms a registration's options give, checked. Throws `KITH_ERR_BAD_REQUEST`. */
export function channelTerms(options: PageChannelOptions = {}): ChannelTerms {
  const policy = options.policy ?? 'pause';
  if (policy !== 'pause' && policy !== 'drop-oldest') throw new KithError('KITH_ERR_BAD_REQUEST', `policy must be "pause" or "drop-oldest"`);
  const maxMessageBytes = bounded('maxMessageBytes', options.maxMessageBytes, PAGE_CHANNEL_LIMITS.maxMessageBytes, 1, PAGE_CHANNEL_LIMITS.maxMessageBytes);
  const queueMessages = bounded('queueMessages', options.queueMessages, 64, 1, PAGE_CHANNEL_LIMITS.maxQueuedMessages);
  const queueBytes = bounded('queueBytes', options.queueBytes, Math.max(4 * 1024 * 1024, maxMessageBytes), maxMessageBytes, PAGE_CHANNEL_LIMITS.maxQueuedBytes);
  return {
    policy,
    maxMessageBytes,
    queueMessages,
    queueBytes,
    windowMessages: PAGE_CHANNEL_LIMITS.windowMessages,
    windowBytes: Math.max(PAGE_CHANNEL_LIMITS.windowBytes, maxMessageBytes),
  };
}

/** Terms the page received: trusted only as far as the limits go. */
export function checkTerms(value: unknown): ChannelTerms {
  const terms = value as Partial<ChannelTerms> | undefined;
  const checked = channelTerms({
    policy: terms?.policy,
    maxMessageBytes: terms?.maxMessageBytes,
    queueMessages: terms?.queueMessages,
    queueBytes: terms?.queueBytes,
  });
  return checked;
}

function bounded(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
