import type { HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';

/** Rendezvous, peer side: /api/rendezvous/*, the room tracker, sealed presence, ctx.rendezvous. */
export interface PresenceArea extends HostArea {}

/** Placeholder until the rendezvous work lands. */
export function createPresenceArea(_kernel: Kernel, _identity: IdentityArea): PresenceArea {
  return { name: 'presence' };
}
