/**
 * The browser side of a call's video, without UI: camera → WebCodecs VP9 (`vp09.00.10.08`; VP8
 * where VP9 is missing) → encoded frames with a keyframe flag for the `media` page channel; and the
 * friend's frames → decoder → VideoFrames. Not built yet: temporal layers, keyframe requests
 * (PLI) and bitrate steering from feedback.
 */

const CANDIDATES = ['vp09.00.10.08', 'vp8'];

export interface VideoCapture {
  readonly codec: string;
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

/** `track`: encode this camera track (the call page asked for it already) instead of asking again. */
export async function startVideoCapture(onFrame: (frame: Uint8Array, keyframe: boolean) => void, width = 320, height = 240, cameraTrack?: MediaStreamTrack): Promise<VideoCapture> {
  const track = cameraTrack ?? (await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 30 } })).getVideoTracks()[0]!;
  const codec = await pickVideoCodec(width, height);
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      onFrame(bytes, chunk.type === 'key');
    },
    error: (error) => console.error('video encoder', error),
  });
  encoder.configure({ codec, width, height, bitrate: 500_000, framerate: 30, latencyMode: 'realtime' });
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
    requestKeyframe: () => { wantKey = true; },
    get bitrate() {
      return bitrate;
    },
    setBitrate(bitsPerSecond) {
      const next = Math.round(Math.min(2_000_000, Math.max(50_000, bitsPerSecond)));
      // Small steps are not worth a reconfigure.
      if (Math.abs(next - bitrate) < bitrate * 0.05 || encoder.state !== 'configured') return;
      bitrate = next;
      encoder.configure({ codec, width, height, bitrate, framerate: 30, latencyMode: 'realtime' });
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
