/**
 * Plays the receiver's 20 ms chunks of 48 kHz mono PCM back to back through an AudioContext.
 *
 * The chunks are pushed by the page's playout clock (a main-thread timer), so each lands a little
 * early or late against the audio clock. The player keeps a lead: a restart after the context ran
 * dry starts `lead` ahead of its clock instead of just ahead, so the next timer hiccup does not
 * starve it again. The lead adapts like the jitter buffer, to the page's own lateness: it grows by
 * {@link LEAD_STEP_S} on each dry spell and shrinks slowly while none comes (never under
 * {@link MIN_LEAD_S}). Audio queued beyond the lead is delay nobody asked for (a burst of chunks
 * after the jitter buffer's target fell, or after a stall): a silent chunk is dropped while more
 * than lead + {@link SILENCE_SLACK_S} is queued (pauses in speech absorb it unheard), a chunk with
 * sound only beyond lead + {@link SOUND_SLACK_S}.
 */
const SAMPLE_RATE = 48_000;
export const MIN_LEAD_S = 0.01;
export const MAX_LEAD_S = 0.06;
export const LEAD_STEP_S = 0.005;
/** The lead shrinks by this much per second without a dry spell. */
const LEAD_DECAY_PER_S = 0.005;
export const SILENCE_SLACK_S = 0.015;
export const SOUND_SLACK_S = 0.1;
/** Below this peak a chunk is silence (the concealment's last repeats, DTX pauses). */
const SILENT_PEAK = 1e-3;

export interface PlayoutStats {
  /** Chunks dropped to catch up, silent and with sound. */
  droppedSilent: number;
  droppedSound: number;
  /** Times the context ran dry and playback restarted ahead of its clock. */
  underruns: number;
  /** The current lead, ms. */
  leadMs: number;
}

/** Where a chunk goes, given the context's clock, what is queued and the lead: pure, so Node tests drive it. */
export function schedule(next: number, now: number, silent: boolean, lead: number): { start: number; restarted: boolean } | 'drop' {
  if (next < now) return { start: now + lead, restarted: true };
  const queued = next - now;
  if (queued > lead + SOUND_SLACK_S || (silent && queued > lead + SILENCE_SLACK_S)) return 'drop';
  return { start: next, restarted: false };
}

export class PcmPlayer {
  private readonly context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  private next = 0;
  private lead = MIN_LEAD_S;
  private leadCheckedAt = 0;
  readonly stats: PlayoutStats = { droppedSilent: 0, droppedSound: 0, underruns: 0, leadMs: MIN_LEAD_S * 1000 };

  /** Queue `samples`; the wall-clock time (ms) they start to play, or undefined when dropped. */
  play(samples: Float32Array): number | undefined {
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    const now = this.context.currentTime;
    this.lead = Math.max(MIN_LEAD_S, this.lead - (now - this.leadCheckedAt) * LEAD_DECAY_PER_S);
    this.leadCheckedAt = now;
    const placed = schedule(this.next, now, peak < SILENT_PEAK, this.lead);
    if (placed === 'drop') {
      if (peak < SILENT_PEAK) this.stats.droppedSilent++;
      else this.stats.droppedSound++;
      return undefined;
    }
    if (placed.restarted && this.next > 0) {
      this.stats.underruns++;
      this.lead = Math.min(MAX_LEAD_S, this.lead + LEAD_STEP_S);
    }
    this.stats.leadMs = this.lead * 1000;
    const buffer = this.context.createBuffer(1, samples.length, SAMPLE_RATE);
    buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(placed.start);
    this.next = placed.start + buffer.duration;
    return performance.timeOrigin + performance.now() + (placed.start - now) * 1000;
  }

  close(): void {
    this.context.close().catch(() => undefined);
  }
}
