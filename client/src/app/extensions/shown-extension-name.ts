import { cleanText } from '@kith/sdk';
import type { ExtensionEntry } from './extension-entry';

/** The most of an extension's name Kith shows beside its words (the name is its author's choice). */
const SHOWN_NAME_CHARS = 32;

/**
 * An extension's name as Kith shows it where it must say whose words or window something is:
 * cleaned of what cannot be shown, cut short, and its id when nothing is left. Put it in a `<bdi>`
 * or after Kith's own words, so a name written right to left or as a sentence cannot pass for Kith's.
 */
export function shownExtensionName(all: readonly ExtensionEntry[], id: string): string {
  return cleanText(all.find((e) => e.id === id)?.name ?? id, SHOWN_NAME_CHARS, id);
}
