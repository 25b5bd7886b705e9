import { Disposable } from '@kith/sdk';
import type { HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';
import type { PresenceSignalling } from './signalling.js';

export type * from './signalling.js';

/** Rendezvous, peer side: /api/rendezvous/*, the room tracker, sealed presence, ctx.rendezvous. */
export interface PresenceArea extends HostArea, PresenceSignalling {}

/** Placeholder until the rendezvous work lands (the signalling contract above is final). */
export function createPresenceArea(_kernel: Kernel, _identity: IdentityArea): PresenceArea {
  const notYet = async (): Promise<never> => {
    throw new Error('presence area not built yet');
  };
  return {
    name: 'presence',
    setEndpointSource: () => undefined,
    publishConnectRequest: notYet,
    publishConnectAccept: notYet,
    awaitConnectAccept: notYet,
    onConnectRequest: () => Disposable.None,
    lastSeen: () => undefined,
    serverNow: notYet,
  };
}
