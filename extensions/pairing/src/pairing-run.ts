/**
 * One pairing attempt in a rendezvous room, symmetric for both sides:
 * 1. publish a CPace share;
 * 2. for every other share in the room, derive the ISK and publish our identity card sealed to it;
 * 3. when a card sealed to our share opens, publish our per-friend X25519 key sealed to it;
 * 4. when that peer's key box opens, the pairing is done.
 * Boxes that do not open mean the other side used a different code. Strangers who share the
 * room (same first words) are harmless: their boxes are addressed to their own partners.
 */
import { KithError, type FriendCard } from '@kith/sdk';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceStart, type CpaceParty } from './cpace.js';
import { decodeCard, decodeKey, encodeCard, encodeKey, toFriendCard, type IdentityCard } from './identity-card.js';
import { openBox, safetyCode, sealBox } from './pairing-box.js';
import type { PairingCode } from './pairing-code.js';
import { pairingRoom } from './pairing-code.js';
import { decodeRoomMessage, encodeRoomMessage, shareId } from './room-message.js';

/** The room as the pairing sees it: publish under an owner tag, read everything. */
export interface PairingRoom {
  publish(owner: string, blob: string): Promise<void>;
  fetch(): Promise<readonly { readonly blob: string }[]>;
}

/** Who we are, for the card, and how we derive the per-friend key once we know the friend. */
export interface PairingSelf {
  readonly card: IdentityCard;
  x25519For(peer: string): string;
}

export interface PairingOptions {
  readonly code: PairingCode;
  readonly room: PairingRoom;
  readonly self: PairingSelf;
  /** The label the user gives the friend (falls back to the friend's own label). */
  readonly label?: string;
  /** Unique owner-tag prefix for this attempt's blobs (letters, digits, dashes: the rendezvous owner pattern). */
  readonly ownerTag: string;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  /** How long to keep waiting for other partners after every seen partner's boxes failed. */
  readonly mismatchGraceMs?: number;
  readonly signal?: AbortSignal;
}

export interface PairingResult {
  readonly friend: FriendCard;
  readonly safetyCode: string;
}

/** Most other shares one attempt will work with (a room is shared by at most a few strangers). */
const MAX_PARTNERS = 16;

interface Partner {
  readonly share: Uint8Array;
  readonly id: string;
  readonly isk: Uint8Array;
  cardSent: boolean;
  card?: IdentityCard;
  failedAt?: number;
}

/** The CPace channel identifier: the room, under the pairing version. */
function channelFor(code: PairingCode): Uint8Array {
  return utf8ToBytes(`kith-pair/v1/${pairingRoom(code)}`);
}

export async function runPairing(options: PairingOptions): Promise<PairingResult> {
  const pollMs = options.pollMs ?? 400;
  const grace = options.mismatchGraceMs ?? 2000;
  const deadline = Date.now() + options.timeoutMs;
  const party: CpaceParty = cpaceStart(utf8ToBytes(options.code.canonical), channelFor(options.code));
  const ownId = shareId(party.share);
  const partners = new Map<string, Partner>();
  await options.room.publish(`${options.ownerTag}-s`, encodeRoomMessage({ t: 'share', share: party.share }));

  for (;;) {
    if (options.signal?.aborted) throw new KithError('KITH_ERR_CONFLICT', 'The pairing was cancelled');
    const entries = await options.room.fetch();
    const messages = entries.map((entry) => decodeRoomMessage(entry.blob)).filter((m) => m !== null);

    for (const message of messages) {
      if (message.t !== 'share') continue;
      const id = shareId(message.share);
      if (id === ownId || partners.has(id) || partners.size >= MAX_PARTNERS) continue;
      let isk: Uint8Array;
      try {
        isk = party.finish(message.share);
      } catch {
        continue; // not a valid element: someone else's junk
      }
      const partner: Partner = { share: message.share, id, isk, cardSent: false };
      partners.set(id, partner);
      const box = sealBox(isk, 'card', party.share, partner.share, encodeCard(options.self.card));
      await options.room.publish(`${options.ownerTag}-c-${id}`, encodeRoomMessage({ t: 'card', from: ownId, to: id, box }));
      partner.cardSent = true;
    }

    for (const message of messages) {
      if (message.t === 'share' || message.to !== ownId) continue;
      const partner = partners.get(message.from);
      if (!partner || partner.failedAt !== undefined) continue;
      if (message.t === 'card' && !partner.card) {
        const opened = openBox(partner.isk, 'card', partner.share, party.share, message.box);
        const card = opened && decodeCard(opened);
        if (!card || card.peer === options.self.card.peer) {
          partner.failedAt = Date.now();
          continue;
        }
        partner.card = card;
        const box = sealBox(partner.isk, 'key', party.share, partner.share, encodeKey(options.self.x25519For(card.peer)));
        await options.room.publish(`${options.ownerTag}-k-${partner.id}`, encodeRoomMessage({ t: 'key', from: ownId, to: partner.id, box }));
      }
    }

    for (const message of messages) {
      if (message.t !== 'key' || message.to !== ownId) continue;
      const partner = partners.get(message.from);
      if (!partner?.card || partner.failedAt !== undefined) continue;
      const opened = openBox(partner.isk, 'key', partner.share, party.share, message.box);
      const x25519 = opened && decodeKey(opened);
      if (!x25519) {
        partner.failedAt = Date.now();
        continue;
      }
      return {
        friend: toFriendCard(partner.card, x25519, options.label),
        safetyCode: safetyCode(partner.isk, options.self.card.peer, partner.card.peer),
      };
    }

    const now = Date.now();
    const failed = [...partners.values()].filter((p) => p.failedAt !== undefined);
    const allFailed = partners.size > 0 && failed.length === partners.size;
    if (allFailed && now - Math.max(...failed.map((p) => p.failedAt!)) >= grace) throw mismatch();
    if (now >= deadline) {
      if (failed.length > 0) throw mismatch();
      throw new KithError('KITH_ERR_TIMEOUT', 'Nobody joined with this pairing code in time; check the code and try again');
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - now)), options.signal);
  }
}

function mismatch(): KithError {
  return new KithError('KITH_ERR_PAIRING_MISMATCH', 'Pairing failed: the other side entered a different code. Check the four words and try again');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
