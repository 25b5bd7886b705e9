import type { Friend, PeerKey } from '@kith/sdk';
import type { RoomScan } from './room-scan.js';
import type { PresenceMode } from './signalling.js';
import type { PendingConnectRequest } from './connect-signals.js';

/** One peer row of a join/poll answer. */
export interface RoomPeer {
  readonly peerId: string;
  readonly master: PeerKey;
  readonly label: string | null;
  readonly friend: boolean;
  readonly mode: PresenceMode | null;
  readonly hasIpv4: boolean;
  readonly hasIpv6: boolean;
  /** Unix ms (server clock) of the peer's publish. */
  readonly seenAt: number;
}

/** What join and poll answer. */
export interface PollResult {
  readonly room: string;
  readonly mode: PresenceMode;
  readonly showStrangers: boolean;
  /** Friends first (by label), then strangers (only while showStrangers). */
  readonly peers: RoomPeer[];
  /** Inbound connect requests addressed to us that are still fresh; `label` is the friend's label. */
  readonly requests: Array<PendingConnectRequest & { readonly label: string | null }>;
}

/**
 * The peers of one room, deduplicated by master key: a friend's sealed announce wins over their
 * plaintext one; strangers are listed only while `showStrangers` is on.
 */
export function buildAnswer(
  room: { readonly room: string; readonly mode: PresenceMode; readonly showStrangers: boolean },
  scan: RoomScan,
  friends: readonly Friend[],
  requests: readonly PendingConnectRequest[],
): PollResult {
  const peers = new Map<string, RoomPeer>();
  for (const f of scan.friends) {
    const previous = peers.get(f.route.friend.peer);
    if (previous && previous.seenAt >= f.storedAt) continue;
    peers.set(f.route.friend.peer, {
      peerId: f.body.peerId, master: f.route.friend.peer, label: f.route.friend.label, friend: true, mode: f.body.mode,
      hasIpv4: f.body.endpoints.ipv4 !== null, hasIpv6: f.body.endpoints.ipv6 !== null, seenAt: f.storedAt,
    });
  }
  const friendByMaster = new Map(friends.map((f) => [f.peer, f] as const));
  for (const s of scan.strangers) {
    if (peers.has(s.master)) continue;
    const friend = friendByMaster.get(s.master);
    if (!friend && !room.showStrangers) continue;
    peers.set(s.master, {
      peerId: s.peerId, master: s.master, label: friend?.label ?? null, friend: friend !== undefined, mode: null,
      hasIpv4: false, hasIpv6: false, seenAt: s.storedAt,
    });
  }
  const sorted = [...peers.values()].sort((a, b) =>
    a.friend !== b.friend ? (a.friend ? -1 : 1) : (a.label ?? a.peerId).localeCompare(b.label ?? b.peerId));
  return {
    room: room.room, mode: room.mode, showStrangers: room.showStrangers, peers: sorted,
    requests: requests.map((r) => ({ ...r, label: friendByMaster.get(r.from)?.label ?? null })),
  };
}
