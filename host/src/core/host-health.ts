import type { Router } from 'express';
import { SDK_API_VERSION } from '@kith/sdk';
import { KITH_VERSION } from '../version.js';

/**
 * `GET /api/health` → `{ status, version, api }`: liveness, public. `version` is the program's;
 * `api` is the extension API it offers, what a manifest's `hostVersion` range is checked against.
 */
export function mountHealth(api: Router): void {
  api.get('/health', (_req, res) => {
    res.json({ status: 'ok', version: KITH_VERSION, api: SDK_API_VERSION });
  });
}
