/**
 * Wire-level constants of the rendezvous protocol, shared by the server and the peer client.
 * The server only ever sees room hashes, owner tags and opaque blobs.
 */

/** A room is the hex SHA-256 of something only the peers know (the word, a pairing code). */
export const ROOM_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The owner a publisher sends is its secret (random or derived per publish, never an identity).
 * At least 16 characters: 64 bits when hex, 96 when base64url, so the public tag (its SHA-256)
 * cannot be reversed by guessing within an entry's lifetime.
 */
export const OWNER_SECRET_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Entries a fetch answers with at most, and the default page size. */
export const DEFAULT_FETCH_PAGE_ENTRIES = 64;

/** Blob characters a fetch page holds at most (one entry is always answered, so a page never stalls). */
export const DEFAULT_FETCH_PAGE_BYTES = 256 * 1024;

/** Entries expire this long after their last publish (the reference system uses about 10 minutes). */
export const DEFAULT_ENTRY_TTL_MS = 10 * 60_000;

/** Largest blob the server stores (characters; blobs are ASCII JSON). */
export const DEFAULT_MAX_BLOB_BYTES = 16 * 1024;

/** Largest request body the server reads; checked from Content-Length and while reading, before parsing. */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024;
