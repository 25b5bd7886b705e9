/** How calls read in the UI: durations, end reasons, history entries, the quality indicator. */

export type CallQuality = 'good' | 'fair' | 'poor';

/** The indicator's three steps from the session RTT and the worse of the two loss figures (0–1). */
export function qualityOf(rttMs: number | null, loss: number): CallQuality {
  if (loss > 0.08 || (rttMs ?? 0) > 400) return 'poor';
  if (loss > 0.02 || (rttMs ?? 0) > 200) return 'fair';
  return 'good';
}

/** `m:ss`, or `h:mm:ss` past an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Why a call ended, for the call page ("Call ended: …"). */
export function endReasonText(reason: string, direction: 'outgoing' | 'incoming' | null, name: string): string {
  switch (reason) {
    case 'hangup': return 'hung up';
    case 'rejected': return direction === 'outgoing' ? `${name} declined` : 'declined';
    case 'busy': return `${name} is in another call`;
    case 'missed': return direction === 'outgoing' ? 'no answer' : 'missed';
    case 'refused': return `${name} cannot take calls`;
    case 'session-lost': return 'the connection was lost';
    case 'locked': return 'Kith was locked';
    default: return reason;
  }
}

export interface HistoryEntry {
  readonly direction: 'outgoing' | 'incoming';
  readonly reason: string;
  readonly duration_ms: number;
  readonly ended_at: number;
  /** Calls the entry stands for (missed calls in a row are one entry); absent means 1. */
  readonly count?: number;
}

/** A history line: "Missed call · 14:02", "3 missed calls · 14:07", "Call · 3:12", "Declined call · 14:05". */
export function historyLine(entry: HistoryEntry): { label: string; icon: string; missed: boolean } {
  const at = new Date(entry.ended_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (entry.duration_ms > 0) return { label: `Call · ${formatDuration(entry.duration_ms)}`, icon: entry.direction === 'outgoing' ? 'call_made' : 'call_received', missed: false };
  switch (entry.reason) {
    case 'missed':
      if (entry.direction === 'outgoing') return { label: `No answer · ${at}`, icon: 'call_made', missed: false };
      return { label: (entry.count ?? 1) > 1 ? `${entry.count} missed calls · ${at}` : `Missed call · ${at}`, icon: 'call_missed', missed: true };
    case 'rejected':
      return { label: `Declined call · ${at}`, icon: 'call_end', missed: false };
    case 'busy':
      return { label: `Busy · ${at}`, icon: 'call_end', missed: false };
    case 'refused':
      return { label: `Calls turned off · ${at}`, icon: 'call_end', missed: false };
    default:
      return { label: `Cancelled call · ${at}`, icon: 'call_end', missed: entry.direction === 'incoming' };
  }
}
