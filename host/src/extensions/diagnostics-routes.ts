import type { Router } from 'express';
import type { DiagnosticsLogs } from '../core/trace-log.js';
import { answer } from '../gateway/json-route.js';

/** `GET /api/diagnostics/traces` and `/rendezvous`: the active persona's entries only (trace-log.ts), newest first, `?limit=` 1..500 (default 200). */
export function mountDiagnosticsRoutes(api: Router, logs: DiagnosticsLogs): void {
  const limitOf = (raw: unknown) => {
    const n = Number(raw ?? 200);
    return Number.isInteger(n) ? Math.min(500, Math.max(1, n)) : 200;
  };
  api.get('/diagnostics/traces', answer((req) => ({ entries: logs.traces.list(limitOf(req.query.limit)) })));
  api.get('/diagnostics/rendezvous', answer((req) => ({ entries: logs.rendezvous.list(limitOf(req.query.limit)) })));
}
