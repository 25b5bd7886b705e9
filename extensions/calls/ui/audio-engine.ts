/**
 * The browser side of a call's audio, without UI: microphone → WebCodecs Opus (20 ms frames, in-band
 * FEC on) → encoded frames for the `media` page channel, silence not sent (DTX, ui/silence-gate.ts);
 * and the friend's encoded frames → Opus decoder → PCM for playout. The host only ever sees the
 * encoded frames. The receiving side with a jitter buffer and concealment is ui/audio-receiver.ts.
 *
 * Each frame's media index is its capture time: Chromium stamps an Opus output with the input's
 * timestamp (re-anchored at each configure) plus 20 ms per frame it produced. Opus's own DTX is
 * off because its dropped frames do not advance that count, which would make the stamps of every
 * frame after a pause wrong; the silence gate drops silent frames after encoding instead.
 */
import { SilenceGate } from './silence-gate.js';

/** Bitrate changes: at most one configure per RECONFIGURE_GAP_MS; steps under MIN_BITRATE_STEP wait SMALL_STEP_GAP_MS. */
const RECONFIGURE_GAP_MS = 500;
const MIN_BITRATE_STEP = 0.15;
const SMALL_STEP_GAP_MS = 3_000;

/** Captured chunks (10 ms each) the track processor may hold while the page is busy. */
const CAPTURE_BUFFER_CHUNKS = 50;

/** Opus at 48 kHz mono, 20 ms per frame. */
export const OPUS_CONFIG: AudioEncoderConfig = {
  codec: 'opus',
  sampleRate: 48_000,
  numberOfChannels: 1,
  bitrate: 32_000,
  opus: { frameDuration: 20_000, useinbandfec: true, usedtx: false },
} as AudioEncoderConfig;

export interface AudioCapture {
  /** Re-aim the Opus encoder (feedback from the friend); 6–128 kb/s. */
  setBitrate(bitsPerSecond: number): void;
  readonly bitrate: number;
  stop(): void;
}

export interface AudioCaptureOptions {
  /** Capture this track instead of asking for the microphone (a generated tone in tests and the bench). */
  track?: MediaStreamTrack;
  /** Each captured chunk's mono samples with the wall-clock time it was read (latency measurement). */
  onCapturePcm?(samples: Float32Array, wallMs: number): void;
  /** Each encoded frame's media index with the wall-clock time the encoder handed it over (latency breakdown). */
  onEncoded?(index: number, wallMs: number): void;
}

/**
 * Capture the microphone and hand each encoded Opus frame to `onFrame` with its media index (20 ms
 * slots since capture began, from the capture clock, so a silent pause skips indexes).
 */
export async function startAudioCapture(onFrame: (frame: Uint8Array, index: number) => void, options: AudioCaptureOptions = {}): Promise<AudioCapture> {
  const track = options.track ?? (await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, sampleRate: 48_000 } })).getAudioTracks()[0]!;
  let firstTimestamp: number | undefined;
  let index = -1;
  const gate = new SilenceGate();
  const encoder = new AudioEncoder({
    output: (chunk) => {
      firstTimestamp ??= chunk.timestamp;
      // Never backwards, whatever a reconfigure does to the stamps.
      index = Math.max(index + 1, Math.round((chunk.timestamp - firstTimestamp) / 20_000));
      if (!gate.shouldSend(index, chunk.timestamp, chunk.timestamp + 20_000)) return;
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      options.onEncoded?.(index, performance.timeOrigin + performance.now());
      onFrame(bytes, index);
    },
    error: (error) => console.error('audio encoder', error),
  });
  encoder.configure(OPUS_CONFIG);
  // MediaStreamTrackProcessor (Chromium) hands the track's AudioData one by one.
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<AudioData> } }).MediaStreamTrackProcessor;
  // The processor keeps only a few chunks for a slow reader and drops older ones: a busy main
  // thread would lose captured audio (a gap in the stamps, heard as silence at the friend's).
  // Half a second of 10 ms chunks rides out a stall; the reader then catches up at once.
  const reader = new Processor({ track, maxBufferSize: CAPTURE_BUFFER_CHUNKS }).readable.getReader();
  let running = true;
  (async () => {
    while (running) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      const samples = new Float32Array(value.numberOfFrames);
      value.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
      gate.hear(value.timestamp, value.timestamp + (value.numberOfFrames / value.sampleRate) * 1e6, samples);
      options.onCapturePcm?.(samples, performance.timeOrigin + performance.now());
      if (encoder.state === 'configured') encoder.encode(value);
      value.close();
    }
  })().catch((error) => console.error('audio capture', error));
  let bitrate = OPUS_CONFIG.bitrate!;
  let configuredAt = Number.NEGATIVE_INFINITY;
  return {
    get bitrate() {
      return bitrate;
    },
    setBitrate(bitsPerSecond) {
      const next = Math.round(Math.min(128_000, Math.max(6_000, bitsPerSecond)));
      if (next === bitrate || encoder.state !== 'configured') return;
      // Each configure drops the part-filled frame (up to 20 ms of captured audio, heard as a gap),
      // so small steps wait and no two configures come within RECONFIGURE_GAP_MS.
      const now = performance.now();
      if (now - configuredAt < RECONFIGURE_GAP_MS) return;
      if (Math.abs(next - bitrate) < bitrate * MIN_BITRATE_STEP && now - configuredAt < SMALL_STEP_GAP_MS) return;
      configuredAt = now;
      bitrate = next;
      encoder.configure({ ...OPUS_CONFIG, bitrate });
    },
    stop() {
      running = false;
      reader.cancel().catch(() => undefined);
      track.stop();
      if (encoder.state !== 'closed') encoder.close();
    },
  };
}

export interface AudioPlayout {
  /** Decode one encoded frame (`seq` orders them; the time base is 20 ms per frame). */
  push(seq: number, frame: Uint8Array): void;
  readonly stats: { decodedFrames: number; decodedSamples: number; peak: number };
  close(): void;
}

/** Decode the friend's Opus frames; `onPcm` receives each decoded 20 ms of mono samples. */
export function createAudioPlayout(onPcm?: (samples: Float32Array) => void): AudioPlayout {
  const stats = { decodedFrames: 0, decodedSamples: 0, peak: 0 };
  const decoder = new AudioDecoder({
    output: (data) => {
      const samples = new Float32Array(data.numberOfFrames);
      data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
      data.close();
      stats.decodedFrames++;
      stats.decodedSamples += samples.length;
      for (const s of samples) stats.peak = Math.max(stats.peak, Math.abs(s));
      onPcm?.(samples);
    },
    error: (error) => console.error('audio decoder', error),
  });
  decoder.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 1 });
  return {
    stats,
    push(seq, frame) {
      if (decoder.state !== 'configured') return;
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: seq * 20_000, duration: 20_000, data: frame }));
    },
    close() {
      if (decoder.state !== 'closed') decoder.close();
    },
  };
}
