/**
 * A new friend's own name must not pass for a friend the user already has: a stranger who pairs
 * as "Mom" (or "Mоm" with a Cyrillic о) would otherwise show (in the friend list, conversations
 * and notifications) exactly as the real one. A name a friend gave themselves that looks like a
 * saved friend's gets a number, "Mom (2)"; a name the user typed is theirs to choose and is kept.
 */
import { MAX_LABEL_CHARS } from '@kith/sdk';
import { remove as withoutConfusables } from 'confusables';

/**
 * How a label looks to a person: compatibility forms folded ("ｍｏｍ", "ℳom"), letters of other
 * scripts that look Latin read as the Latin ones (Cyrillic "Мом", Greek "ο": Unicode's confusables,
 * by the `confusables` package), case folded, spaces collapsed. Used only to compare: a false match
 * costs a number after a new friend's name, a missed one a friend shown as another.
 */
function lookOf(label: string): string {
  return withoutConfusables(label.normalize('NFKC')).normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** `label` cut to `units` UTF-16 code units without splitting a surrogate pair. */
function cutTo(label: string, units: number): string {
  return label.slice(0, units).replace(/[\ud800-\udbff]$/, '').trimEnd();
}

/** `wanted`, or `wanted (n)` with the smallest n from 2 that looks like none of `taken`. */
export function distinctLabel(wanted: string, taken: readonly string[]): string {
  const looks = new Set(taken.map(lookOf));
  if (!looks.has(lookOf(wanted))) return wanted;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${cutTo(wanted, MAX_LABEL_CHARS - suffix.length)}${suffix}`;
    if (!looks.has(lookOf(candidate))) return candidate;
  }
}
