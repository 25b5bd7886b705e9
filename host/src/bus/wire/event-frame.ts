import { KithError } from '@kith/sdk';
import { MAX_HEADER_BYTES } from './header-cbor.js';
import { wireSlab } from '../../core/byte-slab.js';

/** First byte of every bus frame inside a session datagram (after the session's own 0xCC). */
export const TAG_EVENT = 0x40;

/** Flag bits of the frame's `flags` byte (docs/wire/event-frame.md). */
export const FLAG_EOS = 0x01;
export const FLAG_KEYFRAME = 0x02;
export const FLAG_WANTS_ACK = 0x04;
/** The seq belongs to the session-scoped (volatile) space: reliable while the session lives, never persisted. */
export const FLAG_VOLATILE = 0x08;
const KNOWN_FLAGS = FLAG_EOS | FLAG_KEYFRAME | FLAG_WANTS_ACK | FLAG_VOLATILE;

export const STREAM_ID_BYTES = 16;
/** tag(1) + stream(16) + seq(4) + kind(1) + flags(1) + hdr_len(2). */
export const FRAME_FIXED_BYTES = 25;
/** Largest seq (u32). */
export const MAX_SEQ = 0xffff_ffff;

/** One decoded frame. `header` is still CBOR: decoding it is a separate, bounded step. */
export interface EventFrame {
  readonly stream: Uint8Array;
  readonly seq: number;
  readonly kind: number;
  readonly flags: number;
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
}

/** Encode a frame. Throws `RangeError`/`TypeError` for values that do not fit their fields. */
export function encodeEventFrame(frame: EventFrame): Uint8Array {
  const { stream, seq, kind, flags, header, payload } = frame;
  if (!(stream instanceof Uint8Array) || stream.length !== STREAM_ID_BYTES) throw new TypeError('stream id must be 16 bytes');
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) throw new RangeError(`seq ${seq} is not a u32`);
  if (!Number.isInteger(kind) || kind < 0 || kind > 0xff) throw new RangeError(`kind ${kind} is not a byte`);
  if (!Number.isInteger(flags) || (flags & ~KNOWN_FLAGS) !== 0) throw new RangeError(`unknown flags 0x${flags.toString(16)}`);
  if (header.length > MAX_HEADER_BYTES) throw new RangeError(`header of ${header.length} bytes exceeds ${MAX_HEADER_BYTES}`);
  // From the wire slab (every byte is written below): far cheaper than an ArrayBuffer per frame on
  // the bulk path. Frames live until sent or acknowledged; receivers get their own buffers.
  const out = wireSlab.take(FRAME_FIXED_BYTES + header.length + payload.length);
  out[0] = TAG_EVENT;
  out.set(stream, 1);
  out.writeUInt32BE(seq, 17);
  out[21] = kind;
  out[22] = flags;
  out.writeUInt16BE(header.length, 23);
  out.set(header, FRAME_FIXED_BYTES);
  out.set(payload, FRAME_FIXED_BYTES + header.length);
  // A plain Uint8Array view: callers get Uint8Array semantics (slice copies), not Buffer's.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Decode a frame from untrusted bytes. Every length is checked before it is read; the returned
 * header and payload are views into `bytes`. Throws `KITH_ERR_BAD_FRAME`.
 */
export function decodeEventFrame(bytes: Uint8Array): EventFrame {
  if (bytes.length < FRAME_FIXED_BYTES) throw bad(`${bytes.length} bytes is shorter than the ${FRAME_FIXED_BYTES}-byte frame head`);
  if (bytes[0] !== TAG_EVENT) throw bad(`tag 0x${bytes[0]!.toString(16)} is not EVENT (0x40)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[22]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw bad(`unknown flags 0x${flags.toString(16)}`);
  const headerLength = view.getUint16(23);
  if (headerLength > MAX_HEADER_BYTES) throw bad(`header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`);
  if (FRAME_FIXED_BYTES + headerLength > bytes.length) throw bad(`header length ${headerLength} runs past the frame`);
  return {
    stream: bytes.subarray(1, 17),
    seq: view.getUint32(17),
    kind: bytes[21]!,
    flags,
    header: bytes.subarray(FRAME_FIXED_BYTES, FRAME_FIXED_BYTES + headerLength),
    payload: bytes.subarray(FRAME_FIXED_BYTES + headerLength),
  };
}

function bad(why: string): KithError {
  return new KithError('KITH_ERR_BAD_FRAME', `Bad event frame: ${why}`);
}
