import { KithError, THIRD_PARTY_KIND_RANGE, builtinKindName, isBuiltinKind, BUILTIN_KINDS } from '@kith/sdk';

/**
 * This peer's receive-side table for third-party kinds: every name that ever had a handler (for
 * the active persona, in this process) gets the next free byte of THIRD_PARTY_KIND_RANGE. Bytes
 * are never reused, so a peer holding an older copy of the table never sends a wrong kind.
 */
export class LocalKindBytes {
  readonly #byName = new Map<string, number>();
  readonly #byByte = new Map<number, string>();
  #next: number = THIRD_PARTY_KIND_RANGE.first;

  /** The byte for `name`, assigning one on first use. */
  assign(name: string): number {
    let byte = this.#byName.get(name);
    if (byte !== undefined) return byte;
    if (this.#next > THIRD_PARTY_KIND_RANGE.last) {
      throw new KithError('KITH_ERR_CONFLICT', 'No third-party kind bytes left for this session (96 in use)');
    }
    byte = this.#next++;
    this.#byName.set(name, byte);
    this.#byByte.set(byte, name);
    return byte;
  }

  /** Name of an inbound kind byte: built-in, or third-party assigned here. */
  nameOf(byte: number): string | undefined {
    return builtinKindName(byte) ?? this.#byByte.get(byte);
  }

  /** `{ name: byte }` for the capabilities header. */
  toRecord(): Record<string, number> {
    return Object.fromEntries(this.#byName);
  }
}

/** The byte to send `name` to a peer as: built-in, or from the peer's announced table. */
export function outboundKindByte(name: string, peerKinds: Readonly<Record<string, number>> | undefined): number | undefined {
  if (isBuiltinKind(name)) return BUILTIN_KINDS[name];
  const byte = peerKinds?.[name];
  return typeof byte === 'number' ? byte : undefined;
}
