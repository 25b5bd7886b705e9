/**
 * The host refuses a body over MAX_BODY_BYTES (extensions/chat/src/chat-codec.ts): UTF-8 bytes,
 * not characters, so "é" counts 2 and most emoji 4. The composer checks the same limit before
 * sending, so nothing is cut silently and nothing is sent only to fail.
 */
export const MAX_MESSAGE_BYTES = 1900;
/** From here on the composer shows its counter. */
const COUNTER_FROM_BYTES = Math.floor(MAX_MESSAGE_BYTES * 0.9);

const encoder = new TextEncoder();
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const NUMBER_FORMAT = new Intl.NumberFormat(undefined);

export interface MessageSize {
  readonly bytes: number;
  /** Close to or over the limit. */
  readonly showCounter: boolean;
  /** How many characters (as the user sees them) to take off the end so it fits; 0 when it fits. */
  readonly charactersOver: number;
  /** "1,950 / 1,900". */
  readonly counter: string;
}

export function messageSize(body: string): MessageSize {
  const bytes = encoder.encode(body).length;
  return {
    bytes,
    showCounter: bytes >= COUNTER_FROM_BYTES,
    charactersOver: bytes > MAX_MESSAGE_BYTES ? charactersToRemove(body, bytes - MAX_MESSAGE_BYTES) : 0,
    counter: `${NUMBER_FORMAT.format(bytes)} / ${NUMBER_FORMAT.format(MAX_MESSAGE_BYTES)}`,
  };
}

/** The sentence the composer shows for a body over the limit. */
export function tooLongSentence(charactersOver: number): string {
  const over = `${NUMBER_FORMAT.format(charactersOver)} ${charactersOver === 1 ? 'character' : 'characters'} over`;
  return `Too long to send: ${over}. Shorten it or split it into several messages.`;
}

/** Characters from the end whose bytes add up to at least `excessBytes`. */
function charactersToRemove(body: string, excessBytes: number): number {
  const characters = Array.from(graphemes.segment(body), (s) => s.segment);
  let count = 0;
  for (let i = characters.length - 1; i >= 0 && excessBytes > 0; i--, count++) excessBytes -= encoder.encode(characters[i]!).length;
  return count;
}
