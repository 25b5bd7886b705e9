import type { EventHeader } from './context.js';
import { KIND_NAME_PATTERN } from './kinds.js';

/**
 * What checks a header a peer sent: a function returning the typed header (or null when it is
 * malformed), or a schema object with zod's `safeParse` shape (the SDK does not depend on zod).
 */
export type HeaderCheck<H> =
  | ((header: EventHeader) => H | null)
  | { safeParse(value: unknown): { readonly success: boolean; readonly data?: H } };

/**
 * The typed codec of one bus kind, owned by the extension that owns the kind. The send path calls
 * `encode`, the receive path `decode`, so the header type, the bytes on the wire and the golden
 * vectors (made by calling `encode`) cannot drift apart.
 */
export interface KindCodec<H extends object> {
  /** The kind name, `<area>.<event>`, as listed in the manifest `kinds`. */
  readonly name: string;
  /**
   * The header to hand to `ctx.sessions.send`: `header` run through the kind's own check, as the
   * friend's `decode` will run it, so what goes is what the check returns (a check that builds a
   * fresh object, as the examples do, drops keys `H` does not name), without `undefined` fields.
   * Throws `TypeError` for a header the check refuses: the friend would refuse it as malformed.
   */
  encode(header: H): EventHeader;
  /** The typed header of an inbound event, or null when a peer sent something malformed. Never throws. */
  decode(header: EventHeader): H | null;
}

/**
 * Define the typed codec of a kind the calling extension owns:
 * `const wave = defineKind<WaveHeader>('hello.wave', checkWaveHeader)`.
 * Throws `TypeError` for a name that is not `<area>.<event>` or a missing check.
 */
export function defineKind<H extends object>(name: string, check: HeaderCheck<H>): KindCodec<H> {
  if (typeof name !== 'string' || !KIND_NAME_PATTERN.test(name)) throw new TypeError(`"${String(name)}" is not a kind name (<area>.<event>)`);
  const parse = toParser(check);
  return Object.freeze({
    name,
    encode(header: H): EventHeader {
      let checked: H | null = null;
      try {
        checked = parse(withoutUndefined(header as object));
      } catch {
        checked = null;
      }
      if (checked === null || typeof checked !== 'object') throw new TypeError(`The header does not pass the check of kind "${name}": the friend would refuse it as malformed`);
      return withoutUndefined(checked);
    },
    decode(header: EventHeader): H | null {
      try {
        return parse(header);
      } catch {
        return null;
      }
    },
  });
}

/** A plain copy without undefined optional fields: CBOR would otherwise carry them as `undefined`. */
function withoutUndefined(header: object): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(header)) if (value !== undefined) plain[key] = value;
  return plain;
}

function toParser<H>(check: HeaderCheck<H>): (header: EventHeader) => H | null {
  if (typeof check === 'function') return check;
  if (check && typeof check.safeParse === 'function') {
    return (header) => {
      const result = check.safeParse(header);
      return result.success ? (result.data as H) : null;
    };
  }
  throw new TypeError('defineKind needs a header check: a function or a schema with safeParse');
}
