import { EventEmitter, type Diagnostics, type Event, type PeerKey } from '@kith/sdk';
import type { ExtensionScope, HostArea, Kernel } from '../core/area.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { SessionLink, SessionLinks } from '../core/session-link.js';
import type { IdentityArea } from '../identity/area.js';
import type { PresenceArea } from '../presence/area.js';
import { NetRuntime } from './net-runtime.js';
import { ConnectService } from './connect-service.js';
import { mountNetRoutes } from './net-routes.js';
import { networkProvider } from './network-provider.js';
import type { FriendKeys } from './peer-keyring.js';
import type { LiveSession } from './live-session.js';
import type { RejectionCounters } from './rejection-counters.js';
import { NetDiagnostics } from './net-diagnostics.js';
import type { ChannelStatsSource } from './session-stats.js';

/** UDP, STUN, NAT traversal, encrypted sessions: /api/discovery, /api/connect*, /api/sessions. */
export interface NetArea extends HostArea {
  /** Live sessions of the active persona (empty while locked). */
  readonly links: SessionLinks;
  /** Rejected/accepted datagram counters (extensions read them through `ctx.diagnostics.counters()`). */
  readonly counters: RejectionCounters;
  /** The bound session/STUN UDP port (0 before start). */
  readonly udpPort: number;
  /**
   * The read side of `ctx.diagnostics` (session stats, counters, connect attempts), given how to
   * read the bus's view of a session (RTT, retransmits). The bus area provides it.
   */
  diagnostics?(channels: ChannelStatsSource): (scope: ExtensionScope) => Diagnostics;
}

/** The friends list as the identity area exposes it (structural: only what net needs). */
interface FriendsSource {
  list(): Promise<readonly { peer: PeerKey; x25519PublicKey: string; lastPeerId?: string | null; label?: string }[]>;
  readonly onDidChange?: Event<unknown>;
}

function friendsOf(identity: IdentityArea): FriendsSource | undefined {
  return (identity as unknown as { friends?: FriendsSource }).friends;
}

/**
 * Wires the net layer into the host: binds the UDP port on start, runs sessions for whichever
 * persona is unlocked, mounts the routes, provides `ctx.network`, and hands the presence area our
 * public endpoints. Ports come from the config (`KITH_UDP_PORT`, `KITH_LAN_PORT`).
 */
export function createNetArea(kernel: Kernel, identity: IdentityArea, presence: PresenceArea): NetArea {
  const runtime = new NetRuntime({
    udpPort: kernel.config.udpPort,
    stunServers: kernel.config.stunServers,
    beaconPort: kernel.config.lanPort,
    events: {
      onOpen: (s) => kernel.ui.emit('session:open', uiView(s)),
      onClose: (s, reason) => kernel.ui.emit('session:close', { ...uiView(s), reason }),
      onHeartbeat: (s) => kernel.ui.emit('session:heartbeat', { peer: s.peer, peerId: s.peerId, at: Date.now() }),
    },
  });
  const listFriends = async (): Promise<readonly FriendKeys[]> => {
    const source = friendsOf(identity);
    if (!source || !identity.gate.active) return [];
    return source.list();
  };
  const connect = new ConnectService({ runtime, presence, traces: kernel.diagnostics.traces, friends: listFriends });
  const subscriptions: { dispose(): unknown }[] = [];
  let diagnostics: NetDiagnostics | undefined;

  // One event across persona switches (the session table is per persona).
  const opened = new EventEmitter<SessionLink>();
  const links: SessionLinks = {
    get all() {
      return runtime.table?.all ?? [];
    },
    get: (peer) => runtime.table?.get(peer),
    onDidOpen: opened.event,
    connect: (peer, options) => connect.connectPeer(peer, options ?? {}),
  };

  const activate = async (persona: ActivePersona | undefined) => {
    if (!persona) {
      runtime.deactivate('locked');
      return;
    }
    const friends = await listFriends().catch(() => []);
    if (runtime.table && runtime.table.keyring.persona.info.masterPublicKey === persona.info.masterPublicKey) {
      runtime.table.replaceFriends(friends); // same persona again (e.g. another one unlocked): keep its friends' sessions
      return;
    }
    const table = runtime.activate(persona, friends);
    table.setConnector((peer, options) => connect.connectPeer(peer, options));
    table.onDidOpen((link) => opened.fire(link));
  };

  mountNetRoutes(kernel.gateway.protectedApi, runtime, connect);

  return {
    name: 'net',
    links,
    counters: runtime.counters,
    get udpPort() {
      return runtime.udpPort;
    },
    diagnostics(channels) {
      diagnostics ??= new NetDiagnostics(runtime, kernel.diagnostics, channels, (persona) => presence.roomsOf(persona));
      return (scope) => diagnostics!.forScope(scope);
    },
    providers: {
      network: networkProvider(runtime, async () => {
        const friends = await listFriends();
        runtime.table?.replaceFriends(friends);
      }),
    },
    async start() {
      await runtime.start();
      presence.setEndpointSource(() => connect.publicEndpoints());
      subscriptions.push(presence.onConnectRequest((request) => connect.rememberRequest(request)));
      subscriptions.push(identity.gate.onDidChangeActive((persona) => void activate(persona)));
      const source = friendsOf(identity);
      if (source?.onDidChange) {
        subscriptions.push(source.onDidChange(() => {
          void listFriends().then((list) => runtime.table?.replaceFriends(list)).catch(() => undefined);
        }));
      }
      await activate(identity.gate.active);
    },
    async stop() {
      for (const s of subscriptions.splice(0)) s.dispose();
      diagnostics?.dispose();
      await runtime.stop();
      opened.dispose();
    },
  };
}

function uiView(session: LiveSession) {
  return {
    peer: session.peer, peerId: session.peerId, path: session.path, remote: session.remote, openedAt: session.openedAt,
  };
}
