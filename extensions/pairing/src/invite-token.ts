/**
 * Invite tokens: the second way to add a friend. A token carries the rendezvous URL and a
 * 12-word code: its first 4 words name the room, the other 8 (64 bits) are the CPace password.
 * Both sides then run exactly the pairing a typed code runs (one bound share per run, key
 * confirmation before any card), so an invite gives an attacker in the room no more guesses than
 * a typed code does, each against 64 secret bits. Text form `kith-invite:v1:<base64url JSON>`,
 * short enough for a QR code.
 */
import { KithError } from '@kith/sdk';
import { generateInviteCode, normalizeCode, type PairingCode } from './pairing-code.js';
import { cleanFriendLabel } from './shown-label.js';

const PREFIX = 'kith-invite:v1:';
const MAX_TOKEN_CHARS = 1024;
const MAX_URL = 300;
const MAX_LABEL = 64;

export interface Invite {
  readonly rendezvousUrl: string;
  readonly code: PairingCode;
  /** The inviter's label, shown to the person redeeming it. */
  readonly label: string;
  /** Unix ms after which the inviter stops waiting. */
  readonly expiresAt: number;
}

export function createInvite(rendezvousUrl: string, label: string, ttlMs: number, now = Date.now()): Invite {
  return { rendezvousUrl: checkRendezvousUrl(rendezvousUrl), code: generateInviteCode(), label: label.slice(0, MAX_LABEL), expiresAt: now + ttlMs };
}

export function encodeInvite(invite: Invite): string {
  const body = { u: invite.rendezvousUrl, c: invite.code.canonical, l: invite.label, e: invite.expiresAt };
  return PREFIX + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Parse a token (whitespace around it is ignored). Throws `KITH_ERR_BAD_REQUEST` with the reason. */
export function decodeInvite(token: unknown, now = Date.now()): Invite {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) throw bad('The invite token is missing or too long');
  const trimmed = token.trim();
  if (!trimmed.startsWith(PREFIX)) throw bad('This is not a Kith invite (it should start with "kith-invite:v1:")');
  const encoded = trimmed.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw bad('The invite token is damaged');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw bad('The invite token is damaged');
  }
  if (typeof body !== 'object' || body === null) throw bad('The invite token is damaged');
  const { u, c, l, e } = body;
  if (typeof u !== 'string' || typeof c !== 'string' || typeof l !== 'string' || typeof e !== 'number') {
    throw bad('The invite token is damaged');
  }
  let code: PairingCode;
  try {
    code = normalizeCode(c);
  } catch {
    throw bad('The invite token is damaged');
  }
  if (code.kind !== 'invite') throw bad('The invite token is damaged');
  if (e <= now) throw bad('This invite has expired; ask for a new one');
  return { rendezvousUrl: checkRendezvousUrl(u), code, label: cleanFriendLabel(l.slice(0, MAX_LABEL)), expiresAt: e };
}

/** An http(s) URL without trailing slashes, or `KITH_ERR_BAD_REQUEST`. */
export function checkRendezvousUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('rendezvous_url is not a URL');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || url.length > MAX_URL) {
    throw bad('rendezvous_url must be an http(s) URL');
  }
  return url.replace(/\/+$/, '');
}

function bad(message: string): KithError {
  return new KithError('KITH_ERR_BAD_REQUEST', message);
}
