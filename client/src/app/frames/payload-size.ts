/** Values walked at most before a payload is taken as too large (a wide or deep value costs little to refuse). */
const MAX_NODES = 100_000;

/**
 * Whether `value`, plain data a frame sent (strings, numbers, arrays, objects, binary), comes to at
 * most `maxBytes` as socket.io carries it: text as JSON in UTF-8 (escapes included), binary at its
 * length, everything else a few bytes. Stops at the first sign it is over.
 */
export function fitsPayload(value: unknown, maxBytes: number): boolean {
  let bytes = 0;
  let nodes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (++nodes > MAX_NODES) return false;
    if (typeof item === 'string') bytes += jsonBytes(item, maxBytes - bytes);
    else if (item instanceof ArrayBuffer) bytes += item.byteLength;
    else if (ArrayBuffer.isView(item)) bytes += item.byteLength;
    else if (Array.isArray(item)) {
      bytes += 2;
      for (const inner of item) stack.push(inner);
    } else if (typeof item === 'object' && item !== null) {
      bytes += 2;
      for (const [key, inner] of Object.entries(item)) {
        bytes += jsonBytes(key, maxBytes - bytes) + 1;
        stack.push(inner);
      }
    } else bytes += 8;
    if (bytes > maxBytes) return false;
  }
  return true;
}

/** Control characters JSON writes as two characters (`\b \t \n \f \r`); the others take six (`\u0001`). */
const SHORT_ESCAPES = new Set([8, 9, 10, 12, 13]);

/** Bytes of `text` as a JSON string in UTF-8, counted only as far as `budget` (past it, some number over it). */
function jsonBytes(text: string, budget: number): number {
  // Every character is at least one byte: a string longer than the budget is over without a look.
  if (text.length > budget) return text.length + 2;
  let bytes = 2;
  for (let i = 0; i < text.length && bytes <= budget; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) bytes += SHORT_ESCAPES.has(code) ? 2 : 6;
    else if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    // A surrogate half: its pair is four bytes, two each.
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}
