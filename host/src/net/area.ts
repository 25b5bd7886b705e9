import type { HostArea, Kernel } from '../core/area.js';
import type { SessionLinks } from '../core/session-link.js';
import type { IdentityArea } from '../identity/area.js';
import type { PresenceArea } from '../presence/area.js';

/** UDP, STUN, NAT traversal, encrypted sessions: /api/discovery, /api/connect*, /api/sessions. */
export interface NetArea extends HostArea {
  /** Live sessions; undefined until the net work lands. */
  readonly links?: SessionLinks;
}

/** Placeholder until the net work lands. */
export function createNetArea(_kernel: Kernel, _identity: IdentityArea, _presence: PresenceArea): NetArea {
  return { name: 'net' };
}
