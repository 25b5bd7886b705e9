import { z } from 'zod';

/**
 * What travels inside the sealed boxes (and the signed plaintext announce). Each body is a JSON
 * string signed with the sender's Ed25519 master key: `{ b: <body json>, s: <sig hex> }`. The box
 * hides it from the operator; the signature tells the recipient who wrote it.
 */

const peerKey = z.string().regex(/^[0-9a-f]{64}$/);
const peerId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
const endpoint = (family: 'ipv4' | 'ipv6') =>
  z.strictObject({
    address: family === 'ipv4' ? z.ipv4() : z.ipv6(),
    port: z.number().int().min(1).max(65535),
    family: z.literal(family),
  });
export const publicEndpoints = z.strictObject({ ipv4: endpoint('ipv4').nullable(), ipv6: endpoint('ipv6').nullable() });
export const presenceMode = z.enum(['manual', 'auto', 'parked']);

/** The plaintext announce: enough for a stranger to pair or send a sealed request, never an address. */
export const announceBody = z.strictObject({
  k: z.literal('announce'),
  peerId,
  master: peerKey,
  /** The persona's static X25519 key: strangers seal connect requests to it. */
  x25519: z.string().regex(/^[0-9a-f]{64}$/),
  sentAt: z.number().int().nonnegative(),
});

/** Presence for one friend. */
export const sealedAnnounceBody = z.strictObject({
  k: z.literal('sealed_announce'),
  from: peerKey,
  to: peerKey,
  peerId,
  mode: presenceMode,
  endpoints: publicEndpoints,
  epoch: z.number().int().nonnegative(),
  sentAt: z.number().int().nonnegative(),
});

const connectFields = {
  from: peerKey,
  fromPeerId: peerId,
  /** A friend's master key, or a stranger's peer id. */
  to: z.union([peerKey, peerId]),
  /** The sender's static X25519 key, for the stranger's answer (absent between friends). */
  x25519: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  nonce: z.string().regex(/^[0-9a-f]{16,64}$/),
  punchAtMs: z.number().int().nonnegative(),
  mode: presenceMode.nullable(),
  endpoints: publicEndpoints,
  epoch: z.number().int().nonnegative(),
  sentAt: z.number().int().nonnegative(),
};
export const connectRequestBody = z.strictObject({ k: z.literal('connect_request'), ...connectFields });
export const connectAcceptBody = z.strictObject({ k: z.literal('connect_accept'), ...connectFields });

export const signedPayload = z.strictObject({ b: z.string().min(2).max(4096), s: z.string().regex(/^[0-9a-f]{128}$/) });

export type AnnounceBody = z.infer<typeof announceBody>;
export type SealedAnnounceBody = z.infer<typeof sealedAnnounceBody>;
export type ConnectRequestBody = z.infer<typeof connectRequestBody>;
export type ConnectAcceptBody = z.infer<typeof connectAcceptBody>;
export type ConnectBody = ConnectRequestBody | ConnectAcceptBody;

/** Either connect body; callers check `k` against the envelope type. */
export const connectBody = z.discriminatedUnion('k', [connectRequestBody, connectAcceptBody]);
