import type { ConnectAttempt } from '@kith/sdk';

/** One rung or stage of an attempt, as the page lists it. */
export interface AttemptStep {
  readonly stage: string;
  readonly outcome: string;
  readonly ms: number | null;
  readonly detail: string | null;
  /** ms after the attempt began. */
  readonly offsetMs: number;
}

/** A connect attempt, grouped: its steps in order and, for a failure, the reason that matters. */
export interface AttemptView {
  readonly id: string;
  readonly peer: string | null;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: ConnectAttempt['outcome'];
  /** The ladder's rungs tried (ipv6-direct, ipv4-punch, lan-direct ...), in order, with their outcome. */
  readonly rungs: readonly { readonly rung: string; readonly outcome: string; readonly ms: number | null }[];
  readonly steps: readonly AttemptStep[];
  /** For a failed attempt: what went wrong, from the failed steps' own words (not just "failed"). */
  readonly failure: string | null;
}

const RUNGS = /^(ipv6|ipv4|lan|parked|listener|punch|direct)/;

export function attemptView(attempt: ConnectAttempt): AttemptView {
  const steps = attempt.steps.map((s) => ({
    stage: s.stage,
    outcome: s.outcome,
    ms: typeof s.ms === 'number' ? Math.round(s.ms) : null,
    detail: s.detail ?? null,
    offsetMs: Math.max(0, s.at - attempt.startedAt),
  }));
  const rungs = steps.filter((s) => RUNGS.test(s.stage)).map((s) => ({ rung: s.stage, outcome: s.outcome, ms: s.ms }));
  return {
    id: attempt.id,
    peer: attempt.peer,
    startedAt: attempt.startedAt,
    durationMs: attempt.lastAt - attempt.startedAt,
    outcome: attempt.outcome,
    rungs,
    steps,
    failure: attempt.outcome === 'failed' ? failureOf(steps) : null,
  };
}

/** Every failed step with its words, the first (the root cause, usually) first. */
function failureOf(steps: readonly AttemptStep[]): string {
  const failed = steps.filter((s) => s.outcome === 'failed');
  if (failed.length === 0) return 'the attempt ended without saying why';
  return failed.map((s) => (s.detail ? `${s.stage}: ${s.detail}` : `${s.stage} failed`)).join('; ');
}
