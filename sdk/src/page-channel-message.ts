import { KithError } from './errors.js';
import { PAGE_CHANNEL_LIMITS, type PageChannelMessage } from './page-channel.js';

/**
 * Checks one page-channel message and returns it normalized, with its size: binary (a
 * `Uint8Array`, `ArrayBuffer` or Node `Buffer`, as socket.io hands them over) becomes a plain
 * `Uint8Array` view; anything that is not plain data is refused. The walk stops as soon as the
 * size passes `maxBytes`, so an oversized message costs no more than `maxBytes` of work.
 * Throws `KITH_ERR_PAYLOAD_TOO_LARGE` or `KITH_ERR_BAD_REQUEST`.
 */
export function checkChannelMessage(message: unknown, maxBytes: number): { readonly message: PageChannelMessage; readonly bytes: number } {
  const budget = { left: maxBytes };
  const normalized = walk(message, budget, 0, maxBytes);
  return { message: normalized, bytes: maxBytes - budget.left };
}

function spend(budget: { left: number }, bytes: number, maxBytes: number): void {
  budget.left -= bytes;
  if (budget.left < 0) throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `A page channel message may hold at most ${maxBytes} bytes`);
}

function walk(value: unknown, budget: { left: number }, depth: number, maxBytes: number): PageChannelMessage {
  if (depth > PAGE_CHANNEL_LIMITS.maxDepth) throw new KithError('KITH_ERR_BAD_REQUEST', `A page channel message nests deeper than ${PAGE_CHANNEL_LIMITS.maxDepth}`);
  if (value === null || typeof value === 'boolean') {
    spend(budget, 1, maxBytes);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A page channel message holds only finite numbers');
    spend(budget, 8, maxBytes);
    return value;
  }
  if (typeof value === 'string') {
    spend(budget, utf8Length(value), maxBytes);
    return value;
  }
  if (value instanceof Uint8Array) {
    spend(budget, value.byteLength, maxBytes);
    return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) {
    spend(budget, value.byteLength, maxBytes);
    return new Uint8Array(value);
  }
  if (Array.isArray(value)) {
    spend(budget, 1 + value.length, maxBytes);
    return value.map((item) => walk(item, budget, depth + 1, maxBytes));
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, PageChannelMessage> = {};
    for (const key of Object.keys(value)) {
      spend(budget, 1 + utf8Length(key), maxBytes);
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue; // dropped the way JSON drops it
      out[key] = walk(item, budget, depth + 1, maxBytes);
    }
    return out;
  }
  throw new KithError('KITH_ERR_BAD_REQUEST', `A page channel message holds only plain data and Uint8Arrays, not ${describe(value)}`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}

/** UTF-8 length of a string without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
