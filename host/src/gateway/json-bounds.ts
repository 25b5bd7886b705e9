/**
 * Bounds on JSON beyond its size, checked before parsing. JSON.parse copes with any depth, but
 * what comes after may not (handing a value to an extension in its own process: V8's serializer
 * recurses and overflows a few thousand levels down), and parsing itself holds the event loop for
 * seconds on tens of megabytes of brackets or of tiny values. No request of Kith's or of the
 * reference's API nests more than a handful of levels or holds more than a few thousand values;
 * a big body is one long string (a file's base64), which the scan skips at memchr speed.
 */
export const MAX_JSON_DEPTH = 64;
/** Array elements and object members together (commas and openings, counted). */
export const MAX_JSON_VALUES = 100_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Why the JSON text in `bytes` (UTF-8) is refused before parsing, or undefined when it is within
 * the bounds (it may still be malformed: the parser says so then).
 */
export function jsonTextRefusal(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let depth = 0;
  let values = 0;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (byte === QUOTE) {
      i = closingQuote(buffer, i);
      if (i < 0) return undefined; // unterminated: the parser refuses it
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      if (++values > MAX_JSON_VALUES) return `holds more than ${MAX_JSON_VALUES} values`;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    } else if (byte === 0x2c && ++values > MAX_JSON_VALUES) {
      return `holds more than ${MAX_JSON_VALUES} values`;
    }
  }
  return undefined;
}

/** Index of the quote closing the string opened at `open`, or -1. */
function closingQuote(buffer: Buffer, open: number): number {
  for (let at = open + 1; ; at++) {
    at = buffer.indexOf(QUOTE, at);
    if (at < 0) return -1;
    let backslashes = 0;
    for (let k = at - 1; k > open && buffer[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** Whether `value` has arrays or objects nested more than `max` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const inner of Array.isArray(current) ? current : Object.values(current)) {
      if (inner !== null && typeof inner === 'object') stack.push({ value: inner, depth: depth + 1 });
    }
  }
  return false;
}
