/** Reading typed, bounded fields from a request, with clear errors for bad input. */
import { KithError } from '@kith/sdk';

export type Body = Record<string, unknown>;

export function bodyOf(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new KithError('KITH_ERR_BAD_REQUEST', 'The body must be a JSON object');
  return body as Body;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A message body: a non-empty string (its byte limit is checked where it is encoded). */
export function messageBody(body: Body): string {
  const value = body.body;
  if (typeof value !== 'string' || value.trim().length === 0) throw new KithError('KITH_ERR_BAD_REQUEST', 'body must be a non-empty string');
  // A lone surrogate cannot be stored or sent as UTF-8: it becomes U+FFFD here, so the answer to
  // this request shows the body exactly as every later read will.
  return utf8Decoder.decode(utf8Encoder.encode(value));
}

/** An optional non-negative integer query parameter. */
export function queryInteger(value: unknown, name: string, max: number, min = 0): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value) || Number(value) > max || Number(value) < min) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

/** `?mutual=1` / `?mutual=true` or `{ mutual: true }`. */
export function flag(query: unknown, body: Body, name: string): boolean {
  const fromQuery = (query as Record<string, unknown> | undefined)?.[name];
  if (fromQuery === '1' || fromQuery === 'true') return true;
  if (body[name] !== undefined && typeof body[name] !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be true or false`);
  return body[name] === true;
}
