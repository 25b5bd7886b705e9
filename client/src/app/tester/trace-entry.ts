/** One diagnostics entry as `/api/diagnostics/traces|rendezvous` report it (newest first). */
export interface TraceRow {
  readonly at: number | null;
  readonly source: string;
  readonly stage: string;
  readonly outcome: string;
  readonly detail: string;
  readonly peer: string | null;
  readonly ms: number | null;
}

type Raw = Record<string, unknown>;

export function normaliseTrace(raw: Raw): TraceRow {
  const at = raw['at'] ?? raw['at_ms'] ?? raw['time'];
  return {
    at: typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) || null : null,
    source: String(raw['source'] ?? ''),
    stage: String(raw['stage'] ?? raw['kind'] ?? ''),
    outcome: String(raw['outcome'] ?? 'info'),
    detail: raw['detail'] === undefined ? '' : typeof raw['detail'] === 'string' ? raw['detail'] : JSON.stringify(raw['detail']),
    peer: typeof raw['peer'] === 'string' ? raw['peer'] : null,
    ms: typeof raw['ms'] === 'number' ? raw['ms'] : null,
  };
}
