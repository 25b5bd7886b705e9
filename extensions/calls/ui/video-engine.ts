/**
 * The browser side of a call's video, without UI: camera → WebCodecs VP9 (`vp09.00.10.08`; VP8,
 * then AV1, where VP9 is missing), with temporal layers (L1T3, else L1T2) where the encoder has
 * them → encoded frames with a keyframe flag and layer id for the `media` page channel; and the
 * friend's frames → decoder → VideoFrames. Keyframe requests, bitrate steering and the layer rules
 * live in video-link.ts and video-layers.ts.
 */

const CANDIDATES = ['vp09.00.10.08', 'vp8', 'av01.0.04M.08'];
/** Three temporal layers first (a lost T2 costs one frame, T2 is half the frames to shed), then two. */
const LAYER_MODES = ['L1T3', 'L1T2'];

export interface VideoCapture {
  readonly codec: string;
  /** The encoder's scalability mode, or undefined when it runs without temporal layers. */
  readonly scalabilityMode: string | undefined;
  /** Temporal layers per frame pattern: 1 without layers, 2 or 3 with. */
  readonly temporalLayers: number;
  /** Ask for a keyframe next (a PLI from the friend). */
  requestKeyframe(): void;
  /** Re-aim the encoder (feedback from the friend). */
  setBitrate(bitsPerSecond: number): void;
  readonly bitrate: number;
  stop(): void;
}

/** The first codec this browser encodes at `width`×`height`. */
export async function pickVideoCodec(width: number, height: number): Promise<string> {
  for (const codec of CANDIDATES) {
    const { supported } = await VideoEncoder.isConfigSupported({ codec, width, height, bitrate: 500_000, framerate: 30 });
    if (supported) return codec;
  }
  throw new Error('no VP9 or VP8 encoder in this browser');
}

/** The first temporal-layer mode `codec` encodes at `width`×`height`, or undefined (no layers). */
export async function pickScalabilityMode(codec: string, width: number, height: number): Promise<string | undefined> {
  for (const scalabilityMode of LAYER_MODES) {
    const { supported } = await VideoEncoder.isConfigSupported({ codec, width, height, bitrate: 500_000, framerate: 30, latencyMode: 'realtime', scalabilityMode }).catch(() => ({ supported: false }));
    if (supported) return scalabilityMode;
  }
  return undefined;
}

/**
 * `track`: encode this camera track (the call page asked for it already) instead of asking again.
 * `layers`: false runs the encoder without temporal layers (as one without scalabilityMode would).
 * `onFrame`'s `layer` is the chunk's temporal layer id, undefined without layers.
 */
export async function startVideoCapture(onFrame: (frame: Uint8Array, keyframe: boolean, layer?: number) => void, width = 320, height = 240, cameraTrack?: MediaStreamTrack, layers = true): Promise<VideoCapture> {
  const track = cameraTrack ?? (await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 30 } })).getVideoTracks()[0]!;
  const codec = await pickVideoCodec(width, height);
  const scalabilityMode = layers ? await pickScalabilityMode(codec, width, height) : undefined;
  const encoder = new VideoEncoder({
    output: (chunk, metadata) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      // lib.dom does not type `svc` yet (WebCodecs: EncodedVideoChunkMetadata.svc.temporalLayerId).
      const svc = (metadata as { svc?: { temporalLayerId: number } } | undefined)?.svc;
      onFrame(bytes, chunk.type === 'key', scalabilityMode ? (svc?.temporalLayerId ?? 0) : undefined);
    },
    error: (error) => console.error('video encoder', error),
  });
  const config = (bitrate: number): VideoEncoderConfig => ({ codec, width, height, bitrate, framerate: 30, latencyMode: 'realtime', ...(scalabilityMode ? { scalabilityMode } : {}) });
  encoder.configure(config(500_000));
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } }).MediaStreamTrackProcessor;
  const reader = new Processor({ track }).readable.getReader();
  let running = true;
  let wantKey = true;
  (async () => {
    while (running) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      // Drop frames while the encoder is behind: live video wants the newest frame.
      if (encoder.state === 'configured' && encoder.encodeQueueSize < 2) {
        encoder.encode(value, { keyFrame: wantKey });
        wantKey = false;
      }
      value.close();
    }
  })().catch((error) => console.error('video capture', error));
  let bitrate = 500_000;
  return {
    codec,
    scalabilityMode,
    temporalLayers: scalabilityMode ? Number(scalabilityMode.slice(3)) : 1,
    requestKeyframe: () => { wantKey = true; },
    get bitrate() {
      return bitrate;
    },
    setBitrate(bitsPerSecond) {
      const next = Math.round(Math.min(2_000_000, Math.max(50_000, bitsPerSecond)));
      // Small steps are not worth a reconfigure.
      if (Math.abs(next - bitrate) < bitrate * 0.05 || encoder.state !== 'configured') return;
      bitrate = next;
      encoder.configure(config(bitrate));
    },
    stop() {
      running = false;
      reader.cancel().catch(() => undefined);
      track.stop();
      if (encoder.state !== 'closed') encoder.close();
    },
  };
}

export interface VideoPlayout {
  push(seq: number, frame: Uint8Array, keyframe: boolean): void;
  readonly stats: { decodedFrames: number; width: number; height: number; waitingForKeyframe: boolean; errors: number };
  close(): void;
}

/**
 * Decode the friend's frames; a delta frame before the first keyframe is skipped. A decoding
 * error (a missing reference) closes a WebCodecs decoder for good: a fresh one takes over, waits
 * for a keyframe, and `onError` lets the link ask for one.
 */
export function createVideoPlayout(codec: string, onFrame?: (frame: VideoFrame) => void, onError?: () => void): VideoPlayout {
  const stats = { decodedFrames: 0, width: 0, height: 0, waitingForKeyframe: true, errors: 0 };
  let closed = false;
  const open = (): VideoDecoder => {
    const next = new VideoDecoder({
      output: (frame) => {
        stats.decodedFrames++;
        stats.width = frame.displayWidth;
        stats.height = frame.displayHeight;
        if (onFrame) onFrame(frame);
        else frame.close();
      },
      error: (error) => {
        stats.errors++;
        if (closed) return;
        if (!onError) console.error('video decoder', error);
        decoder = open();
        stats.waitingForKeyframe = true;
        onError?.();
      },
    });
    next.configure({ codec, optimizeForLatency: true });
    return next;
  };
  let decoder = open();
  return {
    stats,
    push(seq, frame, keyframe) {
      if (decoder.state !== 'configured') return;
      if (stats.waitingForKeyframe && !keyframe) return;
      stats.waitingForKeyframe = false;
      decoder.decode(new EncodedVideoChunk({ type: keyframe ? 'key' : 'delta', timestamp: seq * 33_333, data: frame }));
    },
    close() {
      closed = true;
      if (decoder.state !== 'closed') decoder.close();
    },
  };
}
