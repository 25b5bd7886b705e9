/** Presence modes a peer can advertise. */
export type PresenceMode = 'manual' | 'auto' | 'parked';
export const PRESENCE_MODES: readonly PresenceMode[] = ['manual', 'auto', 'parked'];
/** The extension whose own switch the Parked mode follows (its id in the manifest). */
export const PARKED_EXTENSION = 'parked';
export const MODE_NAME: Readonly<Record<PresenceMode, string>> = { manual: 'Manual', auto: 'Auto', parked: 'Parked' };
/** What each mode does, said where it is chosen and on the badges of peers in that mode. */
export const MODE_HELP: Readonly<Record<PresenceMode, string>> = {
  manual: 'Manual: you see each request and choose Accept or Decline.',
  auto: 'Auto: friends connect at once; you can undo each one. Strangers cannot connect until you pair.',
  parked: 'Parked: friends reach this device directly in short scheduled windows (with the Parked mode extension on), without asking the room; strangers cannot connect until you pair.',
};
/** The badge text of a peer's mode, for tooltips and screen readers. */
export const PEER_MODE_HELP: Readonly<Record<PresenceMode, string>> = {
  manual: 'Manual: they accept each request by hand',
  auto: 'Auto: they accept friends at once',
  parked: 'Parked: their device is idle; a request may take a while to be answered',
};

/** A peer seen in the rendezvous room (deduplicated by identity by the host). */
export interface RoomPeer {
  readonly peerId: string;
  /** Master public key when known (friends, or strangers that announced it). */
  readonly peer: string | null;
  readonly label: string;
  readonly friend: boolean;
  /** A friend whose safety code the user confirmed. */
  readonly verified: boolean;
  readonly mode: PresenceMode | null;
  readonly ipv4: string | null;
  readonly ipv6: string | null;
}

/** A connect request addressed to us, found by join/poll. */
export interface ConnectRequest {
  readonly nonce: string;
  readonly fromPeerId: string;
  readonly from: string | null;
  readonly label: string;
  readonly friend: boolean;
  readonly autoAccept: boolean;
  readonly punchAtMs: number;
  readonly ipv4: string | null;
  readonly ipv6: string | null;
  /** Local-clock ms after which the requester no longer waits (the host says how long is left). */
  readonly expiresAt: number;
}

/** The requester's wait when the host does not say (the host's CONNECT_REQUEST_TTL_MS). */
export const CONNECT_REQUEST_WAIT_MS = 30_000;

type Raw = Record<string, unknown>;

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** `"1.2.3.4:5"`, `{ip, port}` or `{address, port}` → `"1.2.3.4:5"` (IPv6 as `[::1]:5`). */
export function formatEndpoint(value: unknown): string | null {
  if (typeof value === 'string') return value || null;
  if (value && typeof value === 'object') {
    const e = value as Raw;
    const ip = str(e['ip']) ?? str(e['address']) ?? str(e['host']);
    if (!ip) return null;
    const port = e['port'];
    if (port === undefined || port === null) return ip;
    return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  }
  return null;
}

function mode(value: unknown): PresenceMode | null {
  return value === 'manual' || value === 'auto' || value === 'parked' ? value : null;
}

export function normalisePeer(raw: Raw): RoomPeer {
  const endpoints = (raw['endpoints'] ?? {}) as Raw;
  const peer = str(raw['master_pubkey']) ?? str(raw['masterPublicKey']) ?? str(raw['peer']);
  const peerId = str(raw['peer_id']) ?? str(raw['peerId']) ?? peer ?? '';
  const friend = Boolean(raw['friend'] ?? raw['is_friend'] ?? raw['paired']);
  return {
    peerId,
    peer,
    label: str(raw['label']) ?? str(raw['friend_label']) ?? `Unpaired ${(peer ?? peerId).slice(0, 8)}…`,
    friend,
    verified: Boolean(raw['verified']),
    mode: mode(raw['mode']),
    ipv4: formatEndpoint(raw['ipv4'] ?? endpoints['ipv4']),
    ipv6: formatEndpoint(raw['ipv6'] ?? endpoints['ipv6']),
  };
}

export function normaliseRequest(raw: Raw): ConnectRequest {
  const endpoints = (raw['endpoints'] ?? {}) as Raw;
  const from = str(raw['from']) ?? str(raw['from_master_pubkey']) ?? str(raw['master_pubkey']);
  const fromPeerId = str(raw['from_peer_id']) ?? str(raw['fromPeerId']) ?? '';
  return {
    nonce: String(raw['nonce'] ?? ''),
    fromPeerId,
    from,
    label: str(raw['label']) ?? str(raw['from_label']) ?? (from ? `${from.slice(0, 8)}…` : `peer ${fromPeerId.slice(0, 8)}`),
    friend: Boolean(raw['friend'] ?? raw['is_friend']),
    autoAccept: Boolean(raw['auto_accept'] ?? raw['autoAccept']),
    punchAtMs: Number(raw['punch_at_ms'] ?? raw['punchAtMs'] ?? 0),
    ipv4: formatEndpoint(raw['from_ipv4'] ?? raw['ipv4'] ?? endpoints['ipv4']),
    ipv6: formatEndpoint(raw['from_ipv6'] ?? raw['ipv6'] ?? endpoints['ipv6']),
    expiresAt: Date.now() + boundedWait(raw['expires_in_ms']),
  };
}

function boundedWait(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), CONNECT_REQUEST_WAIT_MS) : CONNECT_REQUEST_WAIT_MS;
}

/** Friends first, then by label. */
export function friendsFirst(a: RoomPeer, b: RoomPeer): number {
  return Number(b.friend) - Number(a.friend) || a.label.localeCompare(b.label);
}
