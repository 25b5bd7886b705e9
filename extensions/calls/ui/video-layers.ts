/**
 * Temporal layers for call video (docs/wire/calls.md, "Video body"), pure logic so Node tests it.
 *
 * The sender's encoder runs L1T3 (or L1T2): T0 frames predict from the previous T0, T1 from the
 * last T0, T2 from the last T0 or T1, whichever is newer (the W3C webrtc-svc pattern). No frame
 * predicts from a T2, so a lost T2 hurts nobody, a lost T1 only the T2 after it, and only a lost T0
 * breaks the stream until a keyframe. Each frame carries its layer, the index of the frame it
 * predicts from (`ref`) and of the last T0 (`t0`), so the receiver decides per frame.
 */
import { packBody, unpackBody } from './media-frame.js';

export interface LayerInfo {
  /** Temporal layer id, 0 = base. */
  readonly layer: number;
  /** Media index of the frame this one predicts from (itself for a keyframe). */
  readonly ref: number;
  /** Media index of the last T0 frame at or before this one. */
  readonly t0: number;
}

export interface VideoBody {
  readonly index: number;
  readonly frame: Uint8Array;
  /** Present only in a layered body. */
  readonly layers?: LayerInfo;
}

/** Bit 31 of the index word marks a layered body; an index never gets there (2^31 frames is 2 years at 30 fps). */
const LAYERED = 0x8000_0000;
const LAYERED_HEADER = 13;

/** Plain: [index u32][frame]. Layered: [index | 2^31 u32][layer u8][ref u32][t0 u32][frame]. */
export function packVideoBody(index: number, frame: Uint8Array, layers?: LayerInfo): Uint8Array {
  const word = (index & 0x7fff_ffff) >>> 0;
  if (!layers) return packBody(word, frame);
  const body = new Uint8Array(LAYERED_HEADER + frame.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, (word | LAYERED) >>> 0);
  view.setUint8(4, layers.layer);
  view.setUint32(5, layers.ref >>> 0);
  view.setUint32(9, layers.t0 >>> 0);
  body.set(frame, LAYERED_HEADER);
  return body;
}

export function unpackVideoBody(body: Uint8Array): VideoBody | undefined {
  const plain = unpackBody(body);
  if (!plain || !(plain.index & LAYERED)) return plain;
  if (body.length < LAYERED_HEADER) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    index: (plain.index & 0x7fff_ffff) >>> 0,
    frame: body.subarray(LAYERED_HEADER),
    layers: { layer: view.getUint8(4), ref: view.getUint32(5), t0: view.getUint32(9) },
  };
}

/** Sender side: the reference of each encoded frame, from the encoder's temporal layer ids in order. */
export class LayerReferences {
  /** Index of the newest frame of each layer. */
  private readonly newest: number[] = [];

  next(index: number, keyframe: boolean, layer: number): LayerInfo {
    if (keyframe) {
      this.newest.length = 0;
      this.newest[0] = index;
      return { layer: 0, ref: index, t0: index };
    }
    const t0 = this.newest[0] ?? index;
    // T0 predicts from the previous T0; T(n) from the newest frame of any lower layer.
    let ref = t0;
    for (let l = 1; l < layer; l++) ref = Math.max(ref, this.newest[l] ?? -1);
    this.newest[layer] = index;
    return { layer, ref, t0: layer === 0 ? index : t0 };
  }
}

export type Verdict = 'decode' | 'skip' | 'broken' | 'wait';

/**
 * Receiver side: whether a layered frame can be decoded. `decode`: its reference was decoded (or it
 * is a keyframe). `skip`: an upper-layer frame whose upper-layer reference was lost, the T0 chain
 * intact, so decoding goes on with the next frame. `broken`: the T0 chain is broken, ask for a
 * keyframe; `wait`: still waiting for one. Frames older than the newest decoded one are skipped
 * (the decoder has moved past them).
 */
export class LayerGate {
  private readonly decoded = new Set<number>();
  private newest = -1;
  private waitingForKeyframe = true;
  readonly stats = { skipped: 0, broken: 0, late: 0 };

  get waiting(): boolean {
    return this.waitingForKeyframe;
  }

  onFrame(index: number, keyframe: boolean, info: LayerInfo): Verdict {
    if (keyframe) {
      this.decoded.clear();
      this.waitingForKeyframe = false;
      return this.accept(index);
    }
    if (this.waitingForKeyframe) return 'wait';
    if (index <= this.newest) {
      this.stats.late++;
      return 'skip';
    }
    if (this.decoded.has(info.ref)) return this.accept(index);
    if (info.layer > 0 && info.ref !== info.t0 && this.decoded.has(info.t0)) {
      this.stats.skipped++;
      return 'skip';
    }
    this.stats.broken++;
    this.waitingForKeyframe = true;
    return 'broken';
  }

  /** The decoder failed (a reference it needed is gone): nothing decodes until a keyframe. */
  reset(): void {
    this.waitingForKeyframe = true;
  }

  private accept(index: number): Verdict {
    this.newest = index;
    this.decoded.add(index);
    // References reach back a few frames; 64 is plenty and keeps the set small.
    if (this.decoded.size > 64) for (const old of this.decoded) if (old < index - 64) this.decoded.delete(old);
    return 'decode';
  }
}

/**
 * Sender side under congestion: stop sending the top temporal layer (half the frames for L1T3,
 * a good share of the bits) while the bitrate controller sits at its floor or the friend reports
 * heavy loss; send it again after `cleanIntervals` feedback intervals above the floor without heavy loss.
 */
export class TopLayerDrop {
  private dropping = false;
  private clean = 0;

  constructor(private readonly heavyLoss = 0.1, private readonly cleanIntervals = 20) {}

  get active(): boolean {
    return this.dropping;
  }

  onFeedback(loss: number, atFloor: boolean): boolean {
    if (atFloor || loss > this.heavyLoss) {
      this.dropping = true;
      this.clean = 0;
    } else if (this.dropping && ++this.clean >= this.cleanIntervals) this.dropping = false;
    return this.dropping;
  }
}
