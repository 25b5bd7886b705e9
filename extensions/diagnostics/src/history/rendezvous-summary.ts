/** A rendezvous log entry as the host's `/api/diagnostics/rendezvous` lists it. */
export interface RendezvousEntry {
  readonly at?: number;
  readonly stage?: string;
  readonly outcome?: string;
  readonly detail?: string;
  readonly ms?: number;
}

/** One line of the summary: every entry of one kind and outcome, folded. */
export interface RendezvousSummaryLine {
  readonly stage: string;
  readonly outcome: string;
  readonly count: number;
  readonly firstAt: number | null;
  readonly lastAt: number | null;
  /** Median duration, ms. */
  readonly medianMs: number | null;
  /** The newest detail (for failures: the newest reason). */
  readonly lastDetail: string | null;
}

const MAX_ENTRIES = 1000;

/**
 * Fold the rendezvous activity log (one line per publish, poll, fetch) into one line per stage and
 * outcome: "poll ok ×120, median 14 ms", with the newest failure's reason kept. Pure, bounded.
 */
export function summariseRendezvous(entries: readonly RendezvousEntry[]): RendezvousSummaryLine[] {
  const groups = new Map<string, RendezvousEntry[]>();
  for (const e of entries.slice(0, MAX_ENTRIES)) {
    const key = `${String(e.stage ?? '?')}\u0000${String(e.outcome ?? 'info')}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(e);
  }
  const lines: RendezvousSummaryLine[] = [];
  for (const [key, list] of groups) {
    const [stage, outcome] = key.split('\u0000') as [string, string];
    const times = list.map((e) => e.at).filter((t): t is number => typeof t === 'number');
    const durations = list.map((e) => e.ms).filter((m): m is number => typeof m === 'number').sort((a, b) => a - b);
    const newest = [...list].sort((a, b) => (b.at ?? 0) - (a.at ?? 0))[0];
    lines.push({
      stage, outcome, count: list.length,
      firstAt: times.length ? Math.min(...times) : null,
      lastAt: times.length ? Math.max(...times) : null,
      medianMs: durations.length ? durations[Math.floor(durations.length / 2)]! : null,
      lastDetail: newest?.detail ?? null,
    });
  }
  // Failures first, then the busiest.
  return lines.sort((a, b) => Number(b.outcome === 'failed') - Number(a.outcome === 'failed') || b.count - a.count);
}
