/**
 * An attacker in a pairing room, for tests: it knows the room (the nameplate is public) but not
 * the secret words. It publishes CPace shares for guessed words and then checks, offline, every
 * confirmation or box addressed to one of its shares: each one that reaches a share is a guess
 * the victim let it test.
 */
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceStart, type CpaceParty } from '../src/cpace.js';
import { checkConfirmTag, openBox } from '../src/pairing-box.js';
import type { PairingCode } from '../src/pairing-code.js';
import { channelFor } from '../src/pairing-run.js';
import { decodeRoomMessage, encodeRoomMessage, shareId, type RoomMessage } from '../src/room-message.js';
import { WORD_LIST } from '../src/word-list.js';

export interface GuessShare {
  readonly guess: string;
  readonly party: CpaceParty;
  readonly id: string;
  readonly blob: string;
  readonly owner: string;
}

/** `count` distinct wrong guesses for `code`'s secret words (4 random words each). */
export function wrongGuesses(code: PairingCode, count: number): string[] {
  const right = code.secretWords.join('-');
  const guesses = new Set<string>();
  while (guesses.size < count) {
    const guess = Array.from(randomBytes(code.secretWords.length), (b) => WORD_LIST[b]!).join('-');
    if (guess !== right) guesses.add(guess);
  }
  return [...guesses];
}

/** A share computed with `guess` as the password, on `code`'s channel (which only needs the public room). */
export function guessShare(code: PairingCode, guess: string): GuessShare {
  const party = cpaceStart(utf8ToBytes(guess), channelFor(code));
  return { guess, party, id: shareId(party.share), blob: encodeRoomMessage({ t: 'share', share: party.share }), owner: `atk-${bytesToHex(randomBytes(12))}` };
}

/** What the victim sent to the attacker's shares, and which guesses it let the attacker test (and whether they were right). */
export function answersTo(shares: readonly GuessShare[], blobs: readonly string[]) {
  const messages = blobs.map(decodeRoomMessage).filter((m): m is RoomMessage => m !== null);
  const victimShares = messages.flatMap((m) => (m.t === 'share' ? [m.share] : [])).filter((s) => !shares.some((g) => g.id === shareId(s)));
  const answered: { guess: string; right: boolean; kind: string }[] = [];
  for (const g of shares) {
    for (const m of messages) {
      if (m.t === 'share' || m.to !== g.id) continue;
      const sender = victimShares.find((s) => shareId(s) === m.from);
      if (!sender) continue;
      const isk = g.party.finish(sender);
      const right = m.t === 'confirm' ? checkConfirmTag(isk, sender, g.party.share, m.tag) : openBox(isk, m.t, sender, g.party.share, m.box) !== null;
      answered.push({ guess: g.guess, right, kind: m.t });
    }
  }
  return { answered, guessesTested: new Set(answered.map((a) => a.guess)).size, cards: answered.filter((a) => a.kind !== 'confirm').length };
}
