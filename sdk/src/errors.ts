/**
 * One catalogue of errors for host and SDK: each has a stable code, an HTTP status and a default
 * message. Throw a {@link KithError} from a route handler and the host answers with its status and
 * `{ error: { code, message } }`.
 */
export const ERRORS = {
  KITH_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  KITH_ERR_BAD_FRAME: { status: 400, message: 'A malformed bus frame was refused' },
  KITH_ERR_BAD_MNEMONIC: { status: 400, message: 'The mnemonic is not a valid 24-word BIP39 phrase' },
  KITH_ERR_WRONG_PASSPHRASE: { status: 401, message: 'Wrong passphrase' },
  KITH_ERR_TOKEN_INVALID: { status: 401, message: 'The signed token is malformed, forged, expired or from another key' },
  KITH_ERR_FORBIDDEN: { status: 403, message: 'This request did not come from the Kith page' },
  KITH_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  KITH_ERR_BLOB_NOT_FOUND: { status: 404, message: 'No blob with that id for this extension and persona' },
  KITH_ERR_EXTENSION_DISABLED: { status: 404, message: 'The extension is turned off for this persona' },
  KITH_ERR_CONTEXT_REVOKED: { status: 410, message: 'The extension context was used after the extension stopped (turned off, faulted, persona locked or switched)' },
  KITH_ERR_KIND_NOT_OWNED: { status: 403, message: 'The extension does not own that bus kind (list it in the manifest kinds)' },
  KITH_ERR_CONFLICT: { status: 409, message: 'The request conflicts with the current state' },
  KITH_ERR_NO_SESSION: { status: 409, message: 'There is no live session with that peer' },
  KITH_ERR_PAIRING_MISMATCH: { status: 409, message: 'Pairing failed: the two codes do not match (or someone tried to interfere)' },
  KITH_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  KITH_ERR_QUOTA: { status: 413, message: "The extension's blobs would pass its quota (kith.blobQuotaBytes)" },
  KITH_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'That file is not an image, audio or video that can be previewed' },
  KITH_ERR_RANGE: { status: 416, message: 'The range reaches past the end of the blob' },
  KITH_ERR_VAULT_CORRUPT: { status: 422, message: 'The vault file is damaged; it was left untouched' },
  KITH_ERR_MANIFEST_INVALID: { status: 422, message: 'The extension manifest is invalid' },
  KITH_ERR_HOST_VERSION: { status: 422, message: 'The extension does not support this host version' },
  KITH_ERR_DEPENDENCY_MISSING: { status: 424, message: 'A dependency of the extension is missing or not running' },
  KITH_ERR_BLOB_CORRUPT: { status: 422, message: 'The blob on disk is damaged or was changed; it was left untouched' },
  KITH_ERR_SEAL_INVALID: { status: 422, message: 'Sealed data could not be opened: damaged, or sealed with another key' },
  KITH_ERR_MEDIA_UNREADABLE: { status: 422, message: 'ffmpeg could not decode the media (damaged, or a format it does not know)' },
  KITH_ERR_LOCKED: { status: 423, message: 'Kith is locked: unlock a persona first' },
  KITH_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  KITH_ERR_ROOM_FULL: { status: 429, message: 'The rendezvous room holds too many entries; try again later' },
  KITH_ERR_SOURCE_QUOTA: { status: 429, message: 'Your network address holds too many rendezvous entries (in this room or in all); unpublish some or wait for them to expire' },
  KITH_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  KITH_ERR_QUERY_REFUSED: { status: 500, message: 'Scoped storage refused the query (raw SQL, another namespace, or the persona column)' },
  KITH_ERR_DUPLICATE: { status: 500, message: 'Already registered' },
  KITH_ERR_PROPOSAL_NOT_ENABLED: { status: 501, message: 'The extension uses proposed API it did not enable in enabledApiProposals' },
  KITH_ERR_NOT_AVAILABLE: { status: 501, message: 'Not available in this version of the host' },
  KITH_ERR_UPSTREAM: { status: 502, message: 'A remote service answered with an error' },
  KITH_ERR_EXTENSION_FAULTED: { status: 503, message: 'The extension has faulted' },
  KITH_ERR_PEER_UNREACHABLE: { status: 504, message: 'The peer could not be reached' },
  KITH_ERR_TIMEOUT: { status: 504, message: 'Timed out' },
  KITH_ERR_STORE_FULL: { status: 507, message: 'The rendezvous server is full; try again later' },
  KITH_ERR_DISK_FULL: { status: 507, message: 'The disk is full; the blob keeps what was written before' },
  KITH_ERR_QUEUE_FULL: { status: 507, message: 'Too many events wait for this peer; try again once it has been online' },
  KITH_ERR_MEDIA_TOOL_MISSING: { status: 503, message: 'No ffmpeg was found: install it (Debian: apt-get install ffmpeg) or set KITH_FFMPEG to its path' },
  KITH_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The rendezvous server cannot reach its room store; try again later' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from {@link ERRORS}. */
export type ErrorCode = keyof typeof ERRORS;

/**
 * A code an extension declares in its manifest (`kith.errors`): `KITH_EXT_<ID>_<NAME>`, the
 * extension id upper-cased with its dashes kept, then the declared name (see `defineErrors`).
 * Ids contain no `_`, so the first `_` after `KITH_EXT_` ends the id: no two extensions, and no
 * host code (`KITH_ERR_*`), can share a code.
 */
export type ExtensionErrorCode = `KITH_EXT_${string}`;

/** Every code a {@link KithError} may carry: the host's catalogue or an extension's own. */
export type KithErrorCode = ErrorCode | ExtensionErrorCode;

/** The shape of {@link ExtensionErrorCode}: `KITH_EXT_`, the upper-cased id, `_`, the name. */
export const EXTENSION_ERROR_CODE = /^KITH_EXT_([A-Z][A-Z0-9-]{1,31})_([A-Z][A-Z0-9_]{0,47})$/;

/**
 * The error type every Kith API throws for expected failures. `C` is the host's {@link ErrorCode}
 * unless it is an extension's own error (`ExtensionError`, see `defineErrors`).
 */
export class KithError<C extends KithErrorCode = ErrorCode> extends Error {
  /** The stable code, e.g. `KITH_ERR_LOCKED`, or an extension's own `KITH_EXT_<ID>_<NAME>`. */
  readonly code: C;
  /** The HTTP status the host answers with when this reaches a route. */
  readonly status: number;
  /** Extra machine-readable facts (never secrets); sent to the client as `error.details`. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = 'KithError';
    this.code = code as C;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  /** The JSON body the host sends for this error. */
  toJSON(): { error: { code: C; message: string; details?: Readonly<Record<string, unknown>> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/**
 * True when `value` is a {@link KithError} (also across copies of the SDK bundled into extensions),
 * with a host code or an extension's own (`KITH_EXT_*`).
 */
export function isKithError(value: unknown): value is KithError {
  return (
    value instanceof KithError ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'KithError' &&
      typeof (value as { code?: unknown }).code === 'string' &&
      ((value as { code: string }).code in ERRORS || EXTENSION_ERROR_CODE.test((value as { code: string }).code)))
  );
}
