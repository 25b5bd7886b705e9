import type { RequestHandler } from 'express';
import { KithError } from '@kith/sdk';
import type { PersonaGate } from '../core/persona-gate.js';

/**
 * Names the persona a request was made for: the shell sets it on every request of a view's frame,
 * so a view of one persona still open after a switch (made from another tab or client) cannot act
 * as the persona that is active now.
 */
export const PERSONA_HEADER = 'x-kith-persona';

/**
 * Protected routes answer 423 `KITH_ERR_LOCKED` while no persona is unlocked, and 409 to a
 * request made for a persona that is not the active one.
 */
export function requireUnlocked(gate: PersonaGate): RequestHandler {
  return (req, _res, next) => {
    const active = gate.active;
    if (!active) return next(new KithError('KITH_ERR_LOCKED'));
    const madeFor = req.headers[PERSONA_HEADER];
    if (madeFor !== undefined && madeFor !== active.info.slug) {
      // The active persona is not named: the view asking belongs to another one.
      return next(new KithError('KITH_ERR_CONFLICT', 'This request was made for a persona that is no longer the active one: it was not run', { reason: 'persona-changed' }));
    }
    next();
  };
}
