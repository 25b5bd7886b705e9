import type { SessionStats } from '@kith/sdk';

/** A signal-strength style summary of one friend's session, for the chat header and the page. */
export interface Quality {
  readonly level: 'good' | 'fair' | 'poor' | 'stalled';
  /** 0..4 bars. */
  readonly bars: number;
  /** Why, in a few words (what drags it down). */
  readonly reason: string;
}

/** Nothing heard for this long while the session is open: the path has stalled. */
const STALLED_AFTER_MS = 15_000;

/**
 * Bars from round trip and inbound loss (the two things a user feels: lag and gaps). Thresholds
 * follow common VoIP guidance: under 150 ms and 1 % loss is good, over 300 ms or 5 % is poor.
 */
export function qualityOf(stats: SessionStats, now = Date.now()): Quality {
  const silentMs = now - stats.traffic.lastReceivedAt;
  if (stats.traffic.lastReceivedAt > 0 && silentMs > STALLED_AFTER_MS) {
    return { level: 'stalled', bars: 0, reason: `nothing heard for ${Math.round(silentMs / 1000)} s` };
  }
  const rtt = stats.rtt.smoothedMs ?? stats.rtt.latestMs;
  const loss = stats.loss.inbound ?? 0;
  const rttBars = rtt === null ? 4 : rtt < 80 ? 4 : rtt < 150 ? 3 : rtt < 300 ? 2 : 1;
  const lossBars = loss < 0.01 ? 4 : loss < 0.03 ? 3 : loss < 0.05 ? 2 : 1;
  const bars = Math.min(rttBars, lossBars);
  const level = bars >= 4 ? 'good' : bars >= 2 ? 'fair' : 'poor';
  const parts = [rtt === null ? 'no round trip measured yet' : `${Math.round(rtt)} ms round trip`, `${(loss * 100).toFixed(1)} % loss`];
  return { level, bars, reason: parts.join(', ') };
}
