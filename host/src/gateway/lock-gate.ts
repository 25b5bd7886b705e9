import type { RequestHandler } from 'express';
import { KithError } from '@kith/sdk';
import type { PersonaGate } from '../core/persona-gate.js';

/** Protected routes answer 423 `KITH_ERR_LOCKED` while no persona is unlocked. */
export function requireUnlocked(gate: PersonaGate): RequestHandler {
  return (_req, _res, next) => {
    next(gate.active ? undefined : new KithError('KITH_ERR_LOCKED'));
  };
}
