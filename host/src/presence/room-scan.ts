import type { PeerKey } from '@kith/sdk';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { FetchedEntry } from '../../../rendezvous/src/peer/client.js';
import { decodeEnvelope, type SealedEnvelope } from '../../../rendezvous/src/peer/envelope.js';
import {
  announceBody, connectBody, sealedAnnounceBody,
  type ConnectBody, type SealedAnnounceBody,
} from '../../../rendezvous/src/peer/payloads.js';
import { openEnvelope } from '../../../rendezvous/src/peer/seal.js';
import { strangerTag } from '../../../rendezvous/src/peer/routing-tag.js';
import { verifyPayload } from '../../../rendezvous/src/peer/signed-payload.js';
import type { FriendRoute, FriendRouting } from './friend-routing.js';

/** A stranger's plaintext announce: what a sealed request to them needs. */
export interface StrangerAnnounce {
  readonly peerId: string;
  readonly master: PeerKey;
  readonly x25519: string;
  readonly storedAt: number;
}

/** A friend's opened presence. */
export interface FriendPresence {
  readonly route: FriendRoute;
  readonly body: SealedAnnounceBody;
  readonly storedAt: number;
}

/** A connect request/accept addressed to us, opened and verified. */
export interface ConnectFound {
  readonly body: ConnectBody;
  /** Set when it came through a friendship tag. */
  readonly route: FriendRoute | null;
  readonly storedAt: number;
}

/** Everything one fetch of a room revealed to us. */
export interface RoomScan {
  readonly strangers: StrangerAnnounce[];
  readonly friends: FriendPresence[];
  readonly requests: ConnectFound[];
  readonly accepts: ConnectFound[];
  /** Blobs that were not for us or not Kith's (counted for diagnostics only). */
  readonly ignored: number;
}

/**
 * Classify the entries of one room: plaintext announces, and the sealed blobs whose routing tag
 * names one of our friendships (or our stranger tag). Only those boxes are opened; every opened
 * payload must verify against the sender's master key and be addressed to us.
 */
export function scanRoom(
  entries: readonly FetchedEntry[],
  persona: ActivePersona,
  routing: FriendRouting,
  routes: readonly FriendRoute[],
  epochs: readonly number[],
): RoomScan {
  const me = persona.info.masterPublicKey;
  const myPeerId = persona.info.peerId;
  const friendTags = new Map<string, { route: FriendRoute; epoch: number }>();
  for (const epoch of epochs) for (const [tag, route] of routing.inboundTags(routes, [epoch])) friendTags.set(tag, { route, epoch });
  const staticKey = persona.x25519;
  const staticHex = bytesToHex(staticKey.publicKey);
  const myStrangerTags = new Map(epochs.map((e) => [strangerTag(staticHex, e), e] as const));
  const friendByMaster = new Map(routes.map((r) => [r.friend.peer, r] as const));

  const scan = { strangers: [] as StrangerAnnounce[], friends: [] as FriendPresence[], requests: [] as ConnectFound[], accepts: [] as ConnectFound[] };
  let ignored = 0;
  for (const entry of entries) {
    const envelope = decodeEnvelope(entry.blob);
    if (!envelope) {
      ignored++;
      continue;
    }
    if (envelope.t === 'announce') {
      const body = verifyPayload({ b: envelope.b, s: envelope.s }, announceBody, 'master');
      if (body && body.master !== me) scan.strangers.push({ peerId: body.peerId, master: body.master, x25519: body.x25519, storedAt: entry.storedAt });
      else if (!body) ignored++;
      continue;
    }
    if (!('tag' in envelope)) continue; // pairing blobs belong to the pairing extension
    const sealed = envelope as SealedEnvelope;
    const viaFriend = friendTags.get(sealed.tag);
    if (viaFriend) {
      const { route, epoch } = viaFriend;
      const opened = openEnvelope(sealed, route.ownKey.publicKey, (epk) => route.ownKey.sharedSecret(epk));
      if (sealed.t === 'sealed_announce') {
        const body = verifyPayload(opened, sealedAnnounceBody, 'from');
        if (body && body.from === route.friend.peer && body.to === me && body.epoch === epoch) {
          scan.friends.push({ route, body, storedAt: entry.storedAt });
          continue;
        }
      } else {
        const body = verifyPayload(opened, connectBody, 'from');
        if (body && body.k === sealed.t && body.from === route.friend.peer && body.to === me && body.epoch === epoch) {
          (sealed.t === 'connect_request' ? scan.requests : scan.accepts).push({ body, route, storedAt: entry.storedAt });
          continue;
        }
      }
      ignored++;
      continue;
    }
    const strangerEpoch = myStrangerTags.get(sealed.tag);
    if (strangerEpoch !== undefined && sealed.t !== 'sealed_announce') {
      const opened = openEnvelope(sealed, staticKey.publicKey, (epk) => staticKey.sharedSecret(epk));
      const body = verifyPayload(opened, connectBody, 'from');
      if (body && body.k === sealed.t && (body.to === myPeerId || body.to === me) && body.epoch === strangerEpoch && body.from !== me) {
        const found = { body, route: friendByMaster.get(body.from) ?? null, storedAt: entry.storedAt };
        (sealed.t === 'connect_request' ? scan.requests : scan.accepts).push(found);
        continue;
      }
    }
    ignored++;
  }
  return { ...scan, ignored };
}
