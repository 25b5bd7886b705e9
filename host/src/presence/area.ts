import { EventEmitter, KithError, type PeerKey, type RendezvousRooms } from '@kith/sdk';
import type { HostArea, Kernel } from '../core/area.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { IdentityArea } from '../identity/area.js';
import type { PresenceFriendSource } from './friend-routing.js';
import { PresenceEngine } from './presence-engine.js';
import { createRendezvousProvider } from './rendezvous-provider.js';
import { mountRendezvousRoutes } from './rendezvous-routes.js';
import { RoomTracker } from './room-tracker.js';
import { ServerClocks } from './server-clock.js';
import type {
  EndpointSource, InboundConnectRequest, PresenceSignalling, PublicEndpoints,
} from './signalling.js';

export type * from './signalling.js';
export type { PresenceFriendSource } from './friend-routing.js';

/** Rendezvous, peer side: /api/rendezvous/*, the room tracker, sealed presence, ctx.rendezvous. */
export interface PresenceArea extends HostArea, PresenceSignalling {
  /** Every (url, room, owner) published and not yet unpublished (Tester page, tests). */
  readonly tracker: RoomTracker;
  /**
   * The rooms of `persona`'s unlock session (`ctx.diagnostics.rooms()`): empty unless it is the
   * active one, so a context left from another persona reads nothing.
   */
  roomsOf(persona: string): RendezvousRooms;
}

/** Test and lab knobs; the host passes none. */
export interface PresenceAreaOptions {
  /** Local clock (Unix ms); server time is derived from it plus the measured offset. */
  readonly clock?: () => number;
  /**
   * Publish private/loopback endpoints too. Only for the NAT lab and loopback tests (also set by
   * `KITH_LAB_PRIVATE_ENDPOINTS=1`); the product never publishes them.
   */
  readonly allowPrivateEndpoints?: boolean;
  /** Friend source override; default `identity.friends`. */
  readonly friends?: PresenceFriendSource;
  /** Rendezvous HTTP timeout. Default 8 s. */
  readonly clientTimeoutMs?: number;
}

/** How long the endpoint source may take before we publish without endpoints. */
const ENDPOINT_TIMEOUT_MS = 3_000;

export function createPresenceArea(kernel: Kernel, identity: IdentityArea, options: PresenceAreaOptions = {}): PresenceArea {
  const clock = options.clock ?? Date.now;
  const allowPrivate = options.allowPrivateEndpoints ?? process.env.KITH_LAB_PRIVATE_ENDPOINTS === '1';
  const tracker = new RoomTracker();
  const clocks = new ServerClocks(clock);
  const log = kernel.diagnostics.rendezvous;
  const onConnectRequest = new EventEmitter<InboundConnectRequest>();
  let endpointSource: EndpointSource | undefined;
  let engine: PresenceEngine | undefined;
  let retiring: Promise<void> = Promise.resolve();
  let sessions = 0;

  const friendSource = (): PresenceFriendSource => options.friends ?? identity.friends;

  const endpoints = async (): Promise<PublicEndpoints> => {
    if (!endpointSource) return { ipv4: null, ipv6: null };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PublicEndpoints>((resolve) => {
      timer = setTimeout(() => resolve({ ipv4: null, ipv6: null }), ENDPOINT_TIMEOUT_MS);
    });
    try {
      return await Promise.race([endpointSource(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const activate = (persona: ActivePersona | undefined) => {
    if (engine?.persona === persona) return;
    const old = engine;
    engine = undefined;
    if (old) retiring = retiring.then(() => old.dispose()).catch((error) => kernel.log.warn({ err: (error as Error).message }, 'presence: unpublish on lock failed'));
    clocks.clear();
    if (!persona) return;
    const next = new PresenceEngine({
      persona, tracker, session: ++sessions, log, clocks, endpoints, allowPrivateEndpoints: allowPrivate, localNow: clock, clientTimeoutMs: options.clientTimeoutMs,
      friends: () => friendSource().list(),
    });
    next.onConnectRequest((request) => onConnectRequest.fire(request));
    engine = next;
  };

  const current = (): PresenceEngine => {
    if (!engine) throw new KithError('KITH_ERR_LOCKED');
    return engine;
  };

  const gateSubscription = identity.gate.onDidChangeActive(activate);
  mountRendezvousRoutes(kernel.gateway.protectedApi, { engine: current, log });

  return {
    name: 'presence',
    tracker,
    roomsOf: (persona) => (engine && engine.persona.info.masterPublicKey === persona ? engine.rooms() : { tracked: [], joined: [] }),
    providers: {
      rendezvous: (scope) => createRendezvousProvider(scope, { engine: current }),
    },
    async start() {
      activate(identity.gate.active);
    },
    async stop() {
      gateSubscription.dispose();
      activate(undefined);
      await retiring;
      onConnectRequest.dispose();
    },
    setEndpointSource(source) {
      endpointSource = source;
    },
    publishConnectRequest: (args) => current().publishConnect('connect_request', args),
    publishConnectAccept: (args) => current().publishConnect('connect_accept', args),
    awaitConnectAccept: (nonce, timeoutMs) => current().awaitConnectAccept(nonce, timeoutMs),
    onConnectRequest: onConnectRequest.event,
    lastSeen: (peer: PeerKey) => engine?.lastSeen(peer),
    serverNow: (url) => current().serverNow(url),
  };
}
