import type { Router } from 'express';
import { KITH_VERSION } from '../version.js';

/** `GET /api/health` → `{ status, version }`: liveness, public. */
export function mountHealth(api: Router): void {
  api.get('/health', (_req, res) => {
    res.json({ status: 'ok', version: KITH_VERSION });
  });
}
