/**
 * Seals and opens media frames: ChaCha20-Poly1305 (node:crypto) under a stream's directional key,
 * the 96-bit nonce = 4 zero bytes + the frame's 64-bit big-endian sequence number, the stream id
 * and media type as associated data. The opener drops (and counts) frames that fail to
 * authenticate and frames already seen or too old for the replay window.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { MAX_SEQ } from './call-kinds.js';
import type { MediaType } from './media-key.js';
import { ReplayWindow } from './replay-window.js';

const TAG_BYTES = 16;
/** Largest sealed frame we open (a big VP9 keyframe fits; anything larger is not a frame of ours). */
export const MAX_SEALED_FRAME_BYTES = 256 * 1024;

function nonce(seq: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(seq), 4);
  return bytes;
}

function aad(streamId: string, type: MediaType): Buffer {
  return Buffer.concat([Buffer.from(`kith/calls/v1 ${type}`), Buffer.from(streamId, 'hex')]);
}

/** Seals this side's frames of one stream, numbering them from 0. */
export class MediaSealer {
  private next = 0;
  constructor(private readonly key: Uint8Array, private readonly streamId: string, private readonly type: MediaType) {}

  seal(frame: Uint8Array): { seq: number; sealed: Uint8Array } {
    if (this.next > MAX_SEQ) throw new RangeError('the stream used every sequence number');
    const seq = this.next++;
    const cipher = createCipheriv('chacha20-poly1305', this.key, nonce(seq), { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.streamId, this.type), { plaintextLength: frame.length });
    const body = Buffer.concat([cipher.update(frame), cipher.final(), cipher.getAuthTag()]);
    return { seq, sealed: new Uint8Array(body.buffer, body.byteOffset, body.length) };
  }

  /** Zero the key (hangup, lock). */
  wipe(): void {
    this.key.fill(0);
  }
}

export interface OpenCounters {
  opened: number;
  forged: number;
  replayed: number;
}

/** Opens the friend's frames of one stream; keeps the replay window and the drop counters. */
export class MediaOpener {
  readonly counters: OpenCounters = { opened: 0, forged: 0, replayed: 0 };
  private readonly window = new ReplayWindow();
  constructor(private readonly key: Uint8Array, private readonly streamId: string, private readonly type: MediaType) {}

  /** The frame, or null when it is forged, malformed or replayed (counted either way). */
  open(seq: number, sealed: Uint8Array): Uint8Array | null {
    if (!this.window.fresh(seq)) {
      this.counters.replayed++;
      return null;
    }
    if (sealed.length < TAG_BYTES || sealed.length > MAX_SEALED_FRAME_BYTES) {
      this.counters.forged++;
      return null;
    }
    try {
      const decipher = createDecipheriv('chacha20-poly1305', this.key, nonce(seq), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(this.streamId, this.type), { plaintextLength: sealed.length - TAG_BYTES });
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const frame = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      this.window.mark(seq);
      this.counters.opened++;
      return new Uint8Array(frame.buffer, frame.byteOffset, frame.length);
    } catch {
      this.counters.forged++;
      return null;
    }
  }

  wipe(): void {
    this.key.fill(0);
  }
}
