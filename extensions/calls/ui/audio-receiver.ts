/**
 * The friend's audio: arrivals → adaptive jitter buffer (ui/jitter-buffer.ts) → a playout clock
 * that pops one 20 ms slot at a time → Opus decoder, or concealment for a lost slot → PCM.
 *
 * Slots are taken {@link AHEAD_MS} before they are due and decoded at once; the player schedules
 * each on the audio clock for its due time (ui/pcm-player.ts). The head start absorbs the page's
 * timer and decoder hiccups without adding delay: only the jitter buffer's target is waited.
 *
 * Concealment: WebCodecs exposes neither libopus PLC (decoding a missing packet) nor FEC decoding,
 * so a lost slot repeats the last decoded 20 ms at half the level each time, then falls silent
 * after three slots. A slot the sender left out for DTX (its index jumped but the host sequence did
 * not) is counted as DTX, not as a loss.
 */
import { JitterBuffer } from './jitter-buffer.js';
import { unpackBody } from './media-frame.js';
import { PcmPlayer, type PlayoutStats } from './pcm-player.js';

const FRAME_MS = 20;
const FRAME_SAMPLES = 960;
const MAX_REPEATS = 3;
/** How long before its due time a slot is taken and decoded. */
export const AHEAD_MS = 20;

export interface AudioReceiverStats {
  received: number;
  played: number;
  /** Slots filled by concealment (lost frames). */
  concealed: number;
  /** Slots the sender skipped in silence (DTX): played as silence, not concealed. */
  dtx: number;
  late: number;
  decodedSamples: number;
  concealedSamples: number;
  /** The longest run of consecutive concealed slots, in ms. */
  longestGapMs: number;
  targetMs: number;
  peak: number;
}

/** One feedback interval: lost share of frames, queueing delay trend, the jitter target. */
export interface IntervalReport {
  readonly loss: number;
  readonly trend: -1 | 0 | 1;
  readonly delayMs: number;
}

export interface AudioReceiver {
  /** One message body from the host: `seq` is the host's sequence for the stream. */
  push(seq: number, body: Uint8Array): void;
  /** What happened since the last call (about every 100 ms): for the feedback to the sender. */
  report(): IntervalReport;
  readonly stats: AudioReceiverStats;
  /** The AudioContext player's catch-up and underrun counts (with `play`). */
  readonly playout?: PlayoutStats;
  close(): void;
}

export interface AudioReceiverOptions {
  /** Each 20 ms of PCM as it is produced (decoded or concealed), with the wall-clock time. */
  onPcm?(samples: Float32Array, concealed: boolean, wallMs: number): void;
  /** Each arriving frame's media index with its wall-clock arrival time (latency breakdown). */
  onArrival?(index: number, wallMs: number): void;
  /** Play through an AudioContext too (the call page, and the bench's latency runs). */
  play?: boolean;
  /** With `play`: each chunk as it is queued, with the wall-clock time it starts to play. */
  onPlayout?(samples: Float32Array, startWallMs: number): void;
}

const wallNow = () => performance.timeOrigin + performance.now();

export function createAudioReceiver(options: AudioReceiverOptions = {}): AudioReceiver {
  const buffer = new JitterBuffer(FRAME_MS);
  const seqOf = new Map<number, number>();
  const stats: AudioReceiverStats = { received: 0, played: 0, concealed: 0, dtx: 0, late: 0, decodedSamples: 0, concealedSamples: 0, longestGapMs: 0, targetMs: buffer.targetMs, peak: 0 };
  let lastSeq: number | undefined;
  let lastPcm: Float32Array | undefined;
  let repeats = 0;
  const player = options.play ? new PcmPlayer() : undefined;

  const emit = (samples: Float32Array, concealed: boolean, dueMs: number) => {
    const startsAt = player?.play(samples, dueMs);
    if (startsAt !== undefined) options.onPlayout?.(samples, startsAt);
    options.onPcm?.(samples, concealed, wallNow());
  };
  // The due time of each slot in the decoder, by the chunk timestamp it was given.
  const dueOf = new Map<number, number>();
  const decoder = new AudioDecoder({
    output: (data) => {
      const dueMs = dueOf.get(data.timestamp) ?? performance.now();
      dueOf.delete(data.timestamp);
      const samples = new Float32Array(data.numberOfFrames);
      data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
      data.close();
      stats.decodedSamples += samples.length;
      for (const s of samples) if (Math.abs(s) > stats.peak) stats.peak = Math.abs(s);
      lastPcm = samples;
      emit(samples, false, dueMs);
    },
    error: (error) => console.error('audio decoder', error),
  });
  decoder.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 1 });

  // A slot that comes due empty is concealed at once (the playout cannot wait). When the next frame
  // plays, its host sequence tells what the gap was: consecutive with the last played frame means
  // the sender skipped those slots in silence (DTX), so they are counted as DTX, not as loss.
  let pending = 0;
  const conceal = (dueMs: number) => {
    pending++;
    const out = new Float32Array(FRAME_SAMPLES);
    if (lastPcm && repeats < MAX_REPEATS) {
      const gain = 0.5 ** (repeats + 1);
      for (let i = 0; i < out.length; i++) out[i] = (lastPcm[i % lastPcm.length] ?? 0) * gain;
    }
    repeats++;
    emit(out, true, dueMs);
  };
  const settleGap = (seq: number | undefined) => {
    if (pending === 0) return;
    if (lastSeq !== undefined && seq === lastSeq + 1) stats.dtx += pending;
    else {
      stats.concealed += pending;
      stats.concealedSamples += pending * FRAME_SAMPLES;
      stats.longestGapMs = Math.max(stats.longestGapMs, pending * FRAME_MS);
    }
    pending = 0;
  };

  const tick = () => {
    const now = performance.now();
    for (;;) {
      const slot = buffer.pop(now + AHEAD_MS);
      if (slot.kind === 'wait') break;
      if (slot.kind === 'missing') {
        conceal(slot.dueMs);
        continue;
      }
      const seq = seqOf.get(slot.seq);
      seqOf.delete(slot.seq);
      settleGap(seq);
      lastSeq = seq;
      repeats = 0;
      stats.played++;
      if (decoder.state !== 'configured') continue;
      const timestamp = slot.seq * FRAME_MS * 1000;
      dueOf.set(timestamp, slot.dueMs);
      if (dueOf.size > 50) dueOf.delete(dueOf.keys().next().value!);
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp, duration: FRAME_MS * 1000, data: slot.frame }));
    }
    stats.targetMs = buffer.targetMs;
    stats.late = buffer.stats.late;
  };
  // 5 ms ticks: the playout clock follows wall time, so a late timer only delays, never drifts.
  const timer = setInterval(tick, 5);

  // Per-interval loss (gaps in the host sequence) and queueing delay (arrival − capture slot).
  let maxSeq: number | undefined;
  let intervalFrom: number | undefined;
  let intervalCount = 0;
  let offsetSum = 0;
  let previousMeanOffset: number | undefined;
  const recentMeans: number[] = [];
  return {
    stats,
    playout: player?.stats,
    report() {
      const expected = maxSeq === undefined || intervalFrom === undefined ? 0 : maxSeq - intervalFrom;
      const loss = expected > 0 ? Math.max(0, Math.min(1, 1 - intervalCount / expected)) : 0;
      const mean = intervalCount > 0 ? offsetSum / intervalCount : undefined;
      // Queueing delay: this interval's mean arrival offset above the lowest of the last 2 s. Only
      // a standing queue (over 40 ms) that is still growing counts as rising: the scheduling noise
      // of a loaded page must not pin the bitrate down.
      let trend: -1 | 0 | 1 = 0;
      if (mean !== undefined) {
        recentMeans.push(mean);
        if (recentMeans.length > 20) recentMeans.shift();
        const queue = mean - Math.min(...recentMeans);
        if (previousMeanOffset !== undefined) trend = queue > 40 && mean >= previousMeanOffset ? 1 : mean < previousMeanOffset - 5 ? -1 : 0;
        previousMeanOffset = mean;
      }
      intervalFrom = maxSeq;
      intervalCount = 0;
      offsetSum = 0;
      return { loss, trend, delayMs: buffer.targetMs };
    },
    push(seq, body) {
      const unpacked = unpackBody(body);
      if (!unpacked) return;
      stats.received++;
      options.onArrival?.(unpacked.index, wallNow());
      if (maxSeq === undefined || seq > maxSeq) {
        intervalFrom ??= seq - 1;
        maxSeq = seq;
      }
      intervalCount++;
      offsetSum += performance.now() - unpacked.index * FRAME_MS;
      seqOf.set(unpacked.index, seq);
      if (seqOf.size > 500) seqOf.delete(seqOf.keys().next().value!);
      buffer.push(unpacked.index, performance.now(), unpacked.frame);
      tick();
    },
    close() {
      clearInterval(timer);
      if (decoder.state !== 'closed') decoder.close();
      player?.close();
    },
  };
}
