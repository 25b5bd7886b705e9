import type { ConnectAttempt } from '@kith/sdk';
import type { StoredTrace } from '../core/trace-log.js';

/** Attempts answered at most. */
export const MAX_ATTEMPTS_LISTED = 100;

/**
 * Group the net layer's stored trace entries (newest first, each tagged with its attempt id by
 * the connect service) into attempts, newest first, their steps oldest first.
 */
export function groupAttempts(entries: readonly StoredTrace[], limit: number): ConnectAttempt[] {
  const byId = new Map<string, StoredTrace[]>();
  for (const entry of entries) {
    const id = (entry as StoredTrace & { attempt?: unknown }).attempt;
    if (entry.source !== 'net' || typeof id !== 'string') continue;
    let steps = byId.get(id);
    if (!steps) {
      if (byId.size >= limit) continue;
      byId.set(id, (steps = []));
    }
    steps.unshift(entry);
  }
  return [...byId].map(([id, steps]) => {
    const final = steps.find((s) => s.stage === 'connect');
    const last = steps[steps.length - 1]!;
    return {
      id,
      peer: steps.find((s) => s.peer !== undefined)?.peer ?? null,
      startedAt: steps[0]!.at,
      lastAt: last.at,
      outcome: final ? (final.outcome === 'ok' ? 'ok' : 'failed') : last.outcome === 'failed' ? 'failed' : 'running',
      steps: steps.map((s) => ({
        stage: s.stage, outcome: s.outcome, at: s.at,
        ...(s.detail !== undefined ? { detail: s.detail } : {}),
        ...(s.peer !== undefined ? { peer: s.peer } : {}),
        ...(s.ms !== undefined ? { ms: s.ms } : {}),
        ...candidateOf(s),
      })),
    };
  });
}

function candidateOf(entry: StoredTrace): { candidate?: string } {
  const candidate = (entry as StoredTrace & { candidate?: unknown }).candidate;
  return typeof candidate === 'string' ? { candidate } : {};
}
