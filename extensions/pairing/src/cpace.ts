/**
 * CPace (draft-irtf-cfrg-cpace), symmetric ("initiator-responder-free") setting, over ristretto255
 * with SHA-512. Both peers derive a generator from the password, publish one blinded share each
 * and compute the same intermediate session key (ISK) only if they used the same password. A
 * recorded transcript (both shares) gives no way to test a password guess offline: checking a
 * guess needs one of the secret scalars. Group arithmetic and element derivation come from
 * @noble/curves; this file only strings the draft's steps together.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

const Point = ristretto255.Point;
const DSI = utf8ToBytes('CPaceRistretto255');
const DSI_ISK = utf8ToBytes('CPaceRistretto255_ISK');
/** SHA-512's input block size, used to pad the password into its own block(s). */
const S_IN_BYTES = 128;

/** Encoded ristretto255 element length. */
export const CPACE_SHARE_BYTES = 32;

/** LEB128 length prefix, then the bytes (the draft's `prepend_len`). */
function prependLen(data: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let length = data.length;
  do {
    let byte = length & 0x7f;
    length >>>= 7;
    if (length > 0) byte |= 0x80;
    prefix.push(byte);
  } while (length > 0);
  return concatBytes(Uint8Array.from(prefix), data);
}

function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/** The password-derived generator: element derivation (RFC 9496) over SHA-512 of the generator string. */
export function cpaceGenerator(password: Uint8Array, channel: Uint8Array, sid: Uint8Array = new Uint8Array(0)) {
  const zpad = Math.max(0, S_IN_BYTES - 1 - prependLen(password).length - prependLen(DSI).length);
  const generatorString = lvCat(DSI, password, new Uint8Array(zpad), channel, sid);
  return ristretto255_hasher.deriveToCurve!(sha512(generatorString));
}

/** A fresh non-zero scalar, sampled wide (64 bytes) so its reduction is unbiased. */
export function randomScalar(): bigint {
  for (;;) {
    const scalar = Point.Fn.create(bytesToNumberLE(randomBytes(64)));
    if (scalar !== 0n) return scalar;
  }
}

/** Ordered concatenation: the larger string first, so both peers build the same transcript. */
function orderedCat(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! > b[i]! ? concatBytes(a, b) : concatBytes(b, a);
  }
  return a.length >= b.length ? concatBytes(a, b) : concatBytes(b, a);
}

/**
 * The ISK of the symmetric setting (`transcript_oc`) from the shared point `k` and both shares with
 * their associated data (order does not matter). Exposed for the draft's test vectors and so tests
 * can play the eavesdropper who tries to derive it from a transcript and a guess.
 */
export function cpaceIsk(
  k: Uint8Array,
  shareA: Uint8Array,
  shareB: Uint8Array,
  sid: Uint8Array = new Uint8Array(0),
  adA: Uint8Array = new Uint8Array(0),
  adB: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const transcript = concatBytes(utf8ToBytes('oc'), orderedCat(lvCat(shareA, adA), lvCat(shareB, adB)));
  return sha512(concatBytes(lvCat(DSI_ISK, sid, k), transcript));
}

/** One side of a CPace run. */
export interface CpaceParty {
  /** The share to publish (32 bytes). */
  readonly share: Uint8Array;
  /**
   * The ISK (64 bytes) from the other side's share. Throws RangeError for an invalid encoding or
   * the identity element (the draft's `scalar_mult_vfy`).
   */
  finish(peerShare: Uint8Array): Uint8Array;
}

/**
 * Could a run bind this share? It must decode as a ristretto255 element other than the identity
 * (what `finish` checks); anything else in a room is junk that no run ever binds.
 */
export function isBindableShare(share: Uint8Array): boolean {
  if (share.length !== CPACE_SHARE_BYTES) return false;
  try {
    return !Point.fromBytes(share).is0();
  } catch {
    return false;
  }
}

/** Start a CPace run for `password` on `channel` (the channel identifier binds the run to its room). */
export function cpaceStart(password: Uint8Array, channel: Uint8Array, scalar: bigint = randomScalar()): CpaceParty {
  const generator = cpaceGenerator(password, channel);
  const share = generator.multiply(scalar).toBytes();
  return {
    share,
    finish(peerShare) {
      if (!(peerShare instanceof Uint8Array) || peerShare.length !== CPACE_SHARE_BYTES) {
        throw new RangeError('CPace share must be 32 bytes');
      }
      let point;
      try {
        point = Point.fromBytes(peerShare);
      } catch {
        throw new RangeError('CPace share is not a valid ristretto255 element');
      }
      const k = point.multiply(scalar);
      if (k.is0()) throw new RangeError('CPace share gives the identity element');
      return cpaceIsk(k.toBytes(), share, peerShare);
    },
  };
}
