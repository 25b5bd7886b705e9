import type { HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';
import type { NetArea } from '../net/area.js';

/** The event-stream bus: TAG_EVENT frames, kinds, reliable store-and-forward; ctx.kinds/sessions/streams. */
export interface BusArea extends HostArea {}

/** Placeholder until the bus work lands. */
export function createBusArea(_kernel: Kernel, _identity: IdentityArea, _net: NetArea): BusArea {
  return { name: 'bus' };
}
