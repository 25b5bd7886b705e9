/**
 * How deep parsed JSON may nest before Kith refuses it. JSON.parse itself copes with any depth, but
 * what comes after may not: handing the value to an extension in its own process (V8's serializer
 * recurses) overflows the stack a few thousand levels down, and so would any recursive walk. No
 * request of Kith's or of the reference's API nests more than a handful of levels.
 */
export const MAX_JSON_DEPTH = 64;

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
