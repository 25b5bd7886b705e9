import type { PeerKey, SessionStats } from '@kith/sdk';

/** One point of a friend's charts. */
export interface Sample {
  /** Unix seconds (uPlot's x axis). */
  readonly t: number;
  readonly rttMs: number | null;
  readonly inBps: number;
  readonly outBps: number;
}

/** Columns for uPlot: times, RTT, bytes/s in, bytes/s out. */
export interface SampleSeries {
  readonly t: number[];
  readonly rttMs: (number | null)[];
  readonly inBps: number[];
  readonly outBps: number[];
}

/** Ten minutes at one sample a second. */
const WINDOW_SAMPLES = 600;
/** Friends kept at once (each live session is one). */
const MAX_PEERS = 64;

/**
 * The last minutes of each live session's RTT and throughput, in memory only (a chart's history,
 * not a record: it goes when the extension stops). A closed session's series is dropped.
 */
export class SessionSamples {
  readonly #byPeer = new Map<PeerKey, Sample[]>();

  /** Add one sample per live session and forget sessions that are gone. */
  record(sessions: readonly SessionStats[], now = Date.now()): void {
    const live = new Set(sessions.map((s) => s.peer));
    for (const peer of [...this.#byPeer.keys()]) if (!live.has(peer)) this.#byPeer.delete(peer);
    for (const s of sessions) {
      let list = this.#byPeer.get(s.peer);
      if (!list) {
        if (this.#byPeer.size >= MAX_PEERS) continue;
        this.#byPeer.set(s.peer, (list = []));
      }
      list.push({
        t: Math.round(now / 100) / 10,
        rttMs: s.rtt.latestMs ?? s.rtt.smoothedMs,
        inBps: s.traffic.bytesInPerSec,
        outBps: s.traffic.bytesOutPerSec,
      });
      if (list.length > WINDOW_SAMPLES) list.splice(0, list.length - WINDOW_SAMPLES);
    }
  }

  series(peer: PeerKey): SampleSeries {
    const list = this.#byPeer.get(peer) ?? [];
    return { t: list.map((s) => s.t), rttMs: list.map((s) => s.rttMs), inBps: list.map((s) => s.inBps), outBps: list.map((s) => s.outBps) };
  }

  latest(peer: PeerKey): Sample | undefined {
    return this.#byPeer.get(peer)?.at(-1);
  }
}
