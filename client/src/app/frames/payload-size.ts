/** Values walked at most before a payload is taken as too large (a wide or deep value costs little to refuse). */
const MAX_NODES = 100_000;

/**
 * Whether `value`, plain data a frame sent (strings, numbers, arrays, objects, binary), comes to at
 * most `maxBytes` on the wire: text at its worst case in UTF-8 (3 bytes a character), binary at
 * its length, everything else a few bytes. Stops at the first sign it is over.
 */
export function fitsPayload(value: unknown, maxBytes: number): boolean {
  let bytes = 0;
  let nodes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (++nodes > MAX_NODES) return false;
    if (typeof item === 'string') bytes += 3 * item.length + 2;
    else if (item instanceof ArrayBuffer) bytes += item.byteLength;
    else if (ArrayBuffer.isView(item)) bytes += item.byteLength;
    else if (Array.isArray(item)) {
      bytes += 2;
      for (const inner of item) stack.push(inner);
    } else if (typeof item === 'object' && item !== null) {
      bytes += 2;
      for (const [key, inner] of Object.entries(item)) {
        bytes += 3 * key.length + 3;
        stack.push(inner);
      }
    } else bytes += 8;
    if (bytes > maxBytes) return false;
  }
  return true;
}
