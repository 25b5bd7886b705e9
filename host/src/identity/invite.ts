import QRCode from 'qrcode';
import { KithError } from '@kith/sdk';
import { signToken, verifyToken, type TokenSigner } from './capability-token.js';

/** What an invite tells the person who scans it. */
export interface InviteBody {
  /** The inviter's anonymous peer id. */
  readonly peerId: string;
  readonly label: string;
  /** Where to meet (rendezvous URL), if any. */
  readonly rendezvous?: string;
  /** A pairing code, if any. */
  readonly code?: string;
}

/** A decoded, signature- and expiry-checked invite. */
export interface Invite extends InviteBody {
  /** The inviter's master public key (hex). */
  readonly peer: string;
  readonly expiresAt: number;
}

/** Text prefix of an invite. */
export const INVITE_PREFIX = 'kith:invite:v1:';

/** Serialise an invite to text: a capability token under the invite prefix, signed by the master key. */
export function encodeInvite(signer: TokenSigner, body: InviteBody, expiresAt: number): string {
  const cap: Record<string, unknown> = { type: 'invite', peer_id: body.peerId, label: body.label };
  if (body.rendezvous !== undefined) cap.rendezvous = body.rendezvous;
  if (body.code !== undefined) cap.code = body.code;
  return signToken(signer, cap, { expiresAt, prefix: INVITE_PREFIX });
}

/** Parse and verify invite text; throws `KITH_ERR_TOKEN_INVALID` (forged, expired, malformed). */
export function decodeInvite(text: string, now = Date.now()): Invite {
  const token = verifyToken<Record<string, unknown>>(typeof text === 'string' ? text.trim() : text, { prefix: INVITE_PREFIX, now });
  const p = token.payload;
  const optional = (v: unknown) => v === undefined || typeof v === 'string';
  if (p.type !== 'invite' || typeof p.peer_id !== 'string' || typeof p.label !== 'string' || !optional(p.rendezvous) || !optional(p.code)) {
    throw new KithError('KITH_ERR_TOKEN_INVALID', 'Not a Kith invite', { reason: 'malformed' });
  }
  return {
    peer: token.issuer,
    peerId: p.peer_id,
    label: p.label,
    ...(typeof p.rendezvous === 'string' ? { rendezvous: p.rendezvous } : {}),
    ...(typeof p.code === 'string' ? { code: p.code } : {}),
    expiresAt: token.expiresAt,
  };
}

/** The invite as a QR code drawn with Unicode half blocks, for terminals. */
export function inviteQrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'utf8', errorCorrectionLevel: 'M' });
}

/** The invite as an SVG QR code, for pages. */
export function inviteQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
