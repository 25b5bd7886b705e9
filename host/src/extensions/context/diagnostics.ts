import { KithError, type Diagnostics } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';
import type { TraceLog } from '../../core/trace-log.js';

const OUTCOMES = new Set(['ok', 'failed', 'skipped', 'info']);

/**
 * `ctx.diagnostics`: trace entries into the host's in-memory trace log (source = extension id),
 * checked here, and the read side (session stats, counters, connect attempts, traces, rooms,
 * change events) from whichever area provides it; without one, reads throw `KITH_ERR_NOT_AVAILABLE`.
 */
export function createDiagnostics(
  scope: ExtensionScope, traces: TraceLog, provide?: (scope: ExtensionScope) => Diagnostics,
): Diagnostics {
  let reader: Diagnostics | undefined;
  const read = (): Diagnostics => {
    reader ??= provide?.(scope);
    if (!reader) throw new KithError('KITH_ERR_NOT_AVAILABLE', 'This host keeps no session diagnostics');
    return reader;
  };
  return {
    trace(entry) {
      if (typeof entry?.stage !== 'string' || entry.stage.length === 0 || !OUTCOMES.has(entry.outcome)) {
        throw new KithError('KITH_ERR_BAD_REQUEST', 'A trace needs a stage and an outcome of ok, failed, skipped or info');
      }
      traces.add(scope.extension.id, {
        stage: entry.stage.slice(0, 200),
        outcome: entry.outcome,
        ...(entry.detail !== undefined ? { detail: String(entry.detail).slice(0, 2000) } : {}),
        ...(entry.peer !== undefined ? { peer: String(entry.peer).slice(0, 64) } : {}),
        ...(typeof entry.ms === 'number' ? { ms: entry.ms } : {}),
      });
    },
    sessions: async () => read().sessions(),
    session: async (peer) => read().session(peer),
    counters: async () => read().counters(),
    connectAttempts: async (limit) => read().connectAttempts(limit),
    rendezvousActivity: async (limit) => read().rendezvousActivity(limit),
    traces: async (limit) => read().traces(limit),
    rooms: async () => read().rooms(),
    onDidChange: (listener, thisArgs, disposables) => read().onDidChange(listener, thisArgs, disposables),
  };
}
