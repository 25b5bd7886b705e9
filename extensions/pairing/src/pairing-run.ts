/**
 * One pairing attempt in a rendezvous room, symmetric for both sides:
 * 1. publish a CPace share;
 * 2. bind the oldest well-formed share of someone else in the room: this run will only ever talk
 *    to that one share (a second share never gets an answer computed with our scalar, so an
 *    attacker in the room gets at most one guess per run);
 * 3. send a key confirmation tag to it and check the one it sends us;
 * 4. only after its tag verified: send our identity card sealed under the ISK; when its card
 *    opens, send our per-friend X25519 key; when its key opens, the pairing is done.
 * Once our confirmation is out, the run ends in success or a visible mismatch, never a timeout.
 */
import { KithError, type FriendCard } from '@kith/sdk';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceStart, type CpaceParty } from './cpace.js';
import { decodeCard, decodeKey, encodeCard, encodeKey, toFriendCard, type IdentityCard } from './identity-card.js';
import { checkConfirmTag, confirmTag, openBox, safetyCode, sealBox } from './pairing-box.js';
import { pairingPassword, pairingRoom, type PairingCode } from './pairing-code.js';
import { cancelled, mismatch, nobodyJoined, unfinished, type MismatchReason } from './pairing-errors.js';
import { decodeRoomMessage, encodeRoomMessage, shareId, type RoomMessage } from './room-message.js';

/** The room as the pairing sees it: publish under an owner tag, read everything (oldest first). */
export interface PairingRoom {
  publish(owner: string, blob: string): Promise<void>;
  fetch(): Promise<readonly { readonly blob: string; readonly storedAt?: number }[]>;
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
  /** How long the bound partner may take to send its confirmation before the run fails as a mismatch. */
  readonly confirmWaitMs?: number;
  /** After a sign of failure, how long the partner's good confirmation may still arrive (a forged blob alone must not end the run). */
  readonly mismatchGraceMs?: number;
  readonly signal?: AbortSignal;
  /** Told once this run has sent its key confirmation (given its one guess away). */
  readonly onConfirmSent?: () => void;
}

export interface PairingResult {
  readonly friend: FriendCard;
  readonly safetyCode: string;
}

/** The one share this run talks to. */
interface Partner {
  readonly share: Uint8Array;
  readonly id: string;
  readonly isk: Uint8Array;
  readonly boundAt: number;
  confirmed: boolean;
  failure?: { readonly reason: MismatchReason; readonly since: number };
  card?: IdentityCard;
}

/** The CPace channel identifier: the room, under the pairing version. */
export function channelFor(code: PairingCode): Uint8Array {
  return utf8ToBytes(`kith-pair/v2/${pairingRoom(code)}`);
}

export async function runPairing(options: PairingOptions): Promise<PairingResult> {
  const pollMs = options.pollMs ?? 400;
  const grace = options.mismatchGraceMs ?? 2000;
  const confirmWait = options.confirmWaitMs ?? 15_000;
  const deadline = Date.now() + options.timeoutMs;
  const party: CpaceParty = cpaceStart(pairingPassword(options.code), channelFor(options.code));
  const ownId = shareId(party.share);
  const publish = (suffix: string, message: RoomMessage) => options.room.publish(`${options.ownerTag}-${suffix}`, encodeRoomMessage(message));
  await publish('s', { t: 'share', share: party.share });
  let partner: Partner | undefined;

  for (;;) {
    if (options.signal?.aborted) throw cancelled();
    const messages = await readRoom(options.room);
    const now = Date.now();

    if (!partner) {
      partner = bindOldestShare(party, ownId, messages, now);
      if (partner) {
        await publish('c', { t: 'confirm', from: ownId, to: partner.id, tag: confirmTag(partner.isk, party.share, partner.share) });
        options.onConfirmSent?.();
      }
    }

    if (partner && !partner.confirmed) {
      const fromPartner = messages.filter((m) => m.t === 'confirm' && m.from === partner!.id) as Extract<RoomMessage, { t: 'confirm' }>[];
      const toUs = fromPartner.filter((m) => m.to === ownId);
      if (toUs.some((m) => checkConfirmTag(partner!.isk, partner!.share, party.share, m.tag))) {
        partner.confirmed = true;
        const box = sealBox(partner.isk, 'card', party.share, partner.share, encodeCard(options.self.card));
        await publish('k', { t: 'card', from: ownId, to: partner.id, box });
      } else {
        const partnerLeft = !messages.some((m) => m.t === 'share' && shareId(m.share) === partner!.id);
        const reason: MismatchReason | undefined =
          toUs.length > 0 ? 'wrong-code' : fromPartner.length > 0 ? 'interference' : partnerLeft ? 'unconfirmed' : undefined;
        if (reason && !partner.failure) partner.failure = { reason, since: now };
        if (partner.failure && now - partner.failure.since >= grace) throw mismatch(partner.failure.reason);
        if (now - partner.boundAt >= confirmWait || now >= deadline) throw mismatch(partner.failure?.reason ?? 'unconfirmed');
      }
    }

    if (partner?.confirmed) {
      const result = await exchangeCards(options, party, ownId, partner, messages, publish);
      if (result) return result;
      if (now >= deadline) throw unfinished();
    } else if (!partner && now >= deadline) {
      throw nobodyJoined();
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - now)), options.signal);
  }
}

/** The room's well-formed messages, oldest first (the server's order breaks ties). */
async function readRoom(room: PairingRoom): Promise<RoomMessage[]> {
  const entries = [...(await room.fetch())];
  const ordered = entries.map((entry, index) => ({ entry, index }));
  ordered.sort((a, b) => (a.entry.storedAt ?? 0) - (b.entry.storedAt ?? 0) || a.index - b.index);
  return ordered.map(({ entry }) => decodeRoomMessage(entry.blob)).filter((m): m is RoomMessage => m !== null);
}

/** The oldest valid share that is not ours, with the ISK it gives; shares that are not group elements are skipped. */
function bindOldestShare(party: CpaceParty, ownId: string, messages: readonly RoomMessage[], now: number): Partner | undefined {
  for (const message of messages) {
    if (message.t !== 'share') continue;
    const id = shareId(message.share);
    if (id === ownId) continue;
    try {
      return { share: message.share, id, isk: party.finish(message.share), boundAt: now, confirmed: false };
    } catch {
      continue; // not a valid element, or the identity: junk that cannot be bound
    }
  }
  return undefined;
}

/** After confirmation: open the partner's card, answer with our per-friend key, finish on its key. */
async function exchangeCards(
  options: PairingOptions,
  party: CpaceParty,
  ownId: string,
  partner: Partner,
  messages: readonly RoomMessage[],
  publish: (suffix: string, message: RoomMessage) => Promise<void>,
): Promise<PairingResult | undefined> {
  for (const message of messages) {
    if (message.t !== 'card' || message.from !== partner.id || message.to !== ownId) continue;
    if (!partner.card) {
      const opened = openBox(partner.isk, 'card', partner.share, party.share, message.box);
      const card = opened && decodeCard(opened);
      if (!card) continue; // not sealed by the partner: someone else's blob under its id
      if (card.peer === options.self.card.peer) throw new KithError('KITH_ERR_CONFLICT', 'That is this persona itself: pair with another persona');
      partner.card = card;
      const box = sealBox(partner.isk, 'key', party.share, partner.share, encodeKey(options.self.x25519For(card.peer)));
      await publish('x', { t: 'key', from: ownId, to: partner.id, box });
    }
  }
  if (!partner.card) return undefined;
  for (const message of messages) {
    if (message.t !== 'key' || message.from !== partner.id || message.to !== ownId) continue;
    const opened = openBox(partner.isk, 'key', partner.share, party.share, message.box);
    const x25519 = opened && decodeKey(opened);
    if (!x25519) continue;
    return {
      friend: toFriendCard(partner.card, x25519, options.label),
      safetyCode: safetyCode(partner.isk, options.self.card.peer, partner.card.peer),
    };
  }
  return undefined;
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
