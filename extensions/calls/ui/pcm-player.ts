/**
 * Plays the receiver's 20 ms chunks of 48 kHz mono PCM through an AudioContext, each at the time
 * the jitter buffer made its slot due.
 *
 * The receiver takes slots from the jitter buffer ahead of their due time and decodes them at once
 * (ui/audio-receiver.ts), so a chunk reaches the player before it should sound and is scheduled on
 * the audio clock for its due time. Main-thread timer hiccups up to that head start then cost no
 * delay; the jitter buffer's target is the only waiting the audio does. Consecutive chunks join back
 * to back (no clicks). A chunk that comes too late for its place (the page stalled longer than the
 * head start) restarts playback a lead after its due time; the lead grows by {@link LEAD_STEP_S} on
 * each such dry spell and shrinks slowly while none comes. A silent chunk (a pause, DTX, the end of
 * a concealment) is not queued at all: sound after it starts at its own due time, so every pause in
 * speech realigns playout with the jitter buffer and no delay is carried past it. A queue ending
 * well before the next due time (the target grew) leaves a gap instead of playing the chunk early;
 * a queue running more than {@link SOUND_SLACK_S} late (the target fell during a long sound) drops
 * the chunk.
 */
const SAMPLE_RATE = 48_000;
export const MIN_LEAD_S = 0;
export const MAX_LEAD_S = 0.06;
export const LEAD_STEP_S = 0.005;
/** The lead shrinks by this much per second without a dry spell. */
const LEAD_DECAY_PER_S = 0.005;
/** A chunk must start at least this far ahead of the render position, or its start would be cut. */
export const RENDER_MARGIN_S = 0.003;
/** A chunk wanted this much later than the queue's end starts at its own time (a gap), not joined. */
export const JOIN_S = 0.005;
export const SOUND_SLACK_S = 0.1;
/** Below this peak a chunk is silence (the concealment's last repeats, DTX pauses). */
const SILENT_PEAK = 1e-3;
/** How many recent readings of the audio clock against the wall clock the mapping keeps (about 1 s). */
const CLOCK_READINGS = 50;

export interface PlayoutStats {
  /** Silent chunks, not queued (silence needs no playing). */
  silent: number;
  /** Chunks with sound dropped because the queue ran far too late. */
  droppedSound: number;
  /** Times a chunk came too late for its place and playback restarted a lead after its due time. */
  underruns: number;
  /** Times the queue had ended well before a chunk's due time, so the chunk left a gap. */
  gaps: number;
  /** The current lead, ms. */
  leadMs: number;
}

export type Placement = { start: number; restarted: boolean } | 'drop';

/**
 * Where a chunk with sound goes on the audio clock: `next` is where the queue ends, `due` the slot's
 * due time, `now` the render position; pure, so Node tests drive it.
 */
export function schedule(next: number, due: number, now: number, lead: number): Placement {
  const earliest = now + RENDER_MARGIN_S;
  const wanted = Math.max(due + lead, earliest);
  if (next < earliest) return { start: wanted, restarted: true };
  if (next < wanted - JOIN_S) return { start: wanted, restarted: false };
  if (next - wanted > SOUND_SLACK_S) return 'drop';
  return { start: next, restarted: false };
}

/**
 * Wall clock (performance.now, ms) → audio clock (s). The context's currentTime moves in render
 * blocks (about 10 ms here), so one reading is up to a block stale; the freshest of the recent
 * readings (the largest offset) is the mapping. Clock drift over a second is far below a sample.
 */
class AudioClockMap {
  private readonly offsets: number[] = [];
  constructor(private readonly context: AudioContext) {}

  read(): void {
    this.offsets.push(this.context.currentTime - performance.now() / 1000);
    if (this.offsets.length > CLOCK_READINGS) this.offsets.shift();
  }

  audioAt(wallMs: number): number {
    return wallMs / 1000 + Math.max(...this.offsets);
  }
}

/**
 * The player's decisions for one chunk after another, on the audio clock (pure, so Node tests drive
 * it): skip silence, place sound, keep the lead and the counts.
 */
export class PlayoutPlan {
  private next = 0;
  private lead = MIN_LEAD_S;
  private leadCheckedAt: number | undefined;
  /** The last chunk was silent (or none came yet): a restart is the end of a pause, not a dry spell. */
  private paused = true;
  readonly stats: PlayoutStats = { silent: 0, droppedSound: 0, underruns: 0, gaps: 0, leadMs: MIN_LEAD_S * 1000 };

  /**
   * A chunk whose loudest sample is `peak`, due at audio time `due`, with the render position at
   * `now`: where it starts (`queue: false` for silence, which is not played), or 'drop'.
   */
  place(peak: number, due: number, now: number): { start: number; queue: boolean } | 'drop' {
    this.lead = Math.max(MIN_LEAD_S, this.lead - (now - (this.leadCheckedAt ?? now)) * LEAD_DECAY_PER_S);
    this.leadCheckedAt = now;
    if (peak < SILENT_PEAK) {
      this.stats.silent++;
      this.paused = true;
      return { start: Math.max(due + this.lead, now + RENDER_MARGIN_S), queue: false };
    }
    const placed = schedule(this.next, due, now, this.lead);
    if (placed === 'drop') {
      this.stats.droppedSound++;
      return 'drop';
    }
    if (placed.restarted && !this.paused) {
      this.stats.underruns++;
      this.lead = Math.min(MAX_LEAD_S, this.lead + LEAD_STEP_S);
    } else if (placed.start > this.next + 1e-6 && !this.paused) this.stats.gaps++;
    this.paused = false;
    this.stats.leadMs = this.lead * 1000;
    return { start: placed.start, queue: true };
  }

  /** The queued chunk placed last ends at `end`. */
  queued(end: number): void {
    this.next = end;
  }
}

export class PcmPlayer {
  private readonly context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  private readonly clock = new AudioClockMap(this.context);
  private readonly plan = new PlayoutPlan();
  readonly stats = this.plan.stats;

  /**
   * Queue `samples` for the slot due at `dueMs` (performance.now clock); the wall-clock time (ms
   * since the epoch) they start to play (for a silent chunk: when its silence is due), or undefined
   * when dropped.
   */
  play(samples: Float32Array, dueMs: number): number | undefined {
    let peak = 0;
    for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    const now = this.context.currentTime;
    this.clock.read();
    const placed = this.plan.place(peak, this.clock.audioAt(dueMs), now);
    if (placed === 'drop') return undefined;
    if (placed.queue) {
      const buffer = this.context.createBuffer(1, samples.length, SAMPLE_RATE);
      buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.context.destination);
      source.start(placed.start);
      this.plan.queued(placed.start + buffer.duration);
    }
    // The start as the render position reads now (not the smoothed mapping): a stale position
    // counts a chunk as playing later, never earlier.
    return performance.timeOrigin + performance.now() + (placed.start - now) * 1000;
  }

  close(): void {
    this.context.close().catch(() => undefined);
  }
}
