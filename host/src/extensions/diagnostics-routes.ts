import type { Router } from 'express';
import type { DiagnosticsLogs } from '../core/trace-log.js';

/**
 * Transitional, mounts nothing: the host serves no diagnostics route any more; the diagnostics
 * extension serves `/api/diagnostics/*` from `ctx.diagnostics`. Kept only while the committed
 * area.ts still calls it (its working copy no longer does); delete it with that call.
 */
export function mountDiagnosticsRoutes(_api: Router, _logs: DiagnosticsLogs): void {}
