/**
 * The file protocol's bus kinds and their headers, as they are on the wire (docs/wire/files.md).
 * Every transfer runs on its own stream (the transfer id); the receiver drives it: it answers an
 * offer with what it already has, NACKs what it lacks, and confirms when the root matched.
 * Golden vectors (test/wire-vectors.json) are made by these codecs.
 */
import { defineKind, type EventHeader } from '@kith/sdk';
import { isBlockRanges, MAX_RANGES_PER_EVENT, type BlockRange } from './block-ranges.js';

/** Largest file an offer may declare, and the upload limit: 16 GiB (the streamed-body bound). */
export const MAX_FILE_BYTES = 16 * 1024 ** 3;
/** Block sizes a peer may choose (the 16–64 KiB). */
export const MIN_BLOCK_BYTES = 16 * 1024;
export const MAX_BLOCK_BYTES = 64 * 1024;
/** Longest file name, in UTF-16 units, after sanitising. */
export const MAX_NAME_CHARS = 255;
/** Longest MIME type. */
export const MAX_MIME_CHARS = 127;
/**
 * Most blocks an urgent `files.nack` asks for: a reader's seek window (the receiver never asks for
 * more at once). A sender honours the first this many blocks of an urgent NACK as urgent; the rest
 * count as a plain NACK (sent only if not sent in this session).
 */
export const MAX_URGENT_BLOCKS = 64;
/** Most hashes one `files.hashes` event carries (64 KiB of payload). */
export const MAX_HASHES_PER_EVENT = 2048;
/** Longest reason text in hold and cancel. */
export const MAX_REASON_CHARS = 64;

const TRANSFER_ID = /^[0-9a-f]{32}$/;
const ROOT = /^[0-9a-f]{64}$/;
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const REASON = /^[a-z][a-z0-9-]{0,63}$/;

/** `files.offer` (durable): a file the sender holds sealed, announced with what identifies its bytes. */
export interface FilesOfferHeader {
  /** Transfer id = the stream the transfer runs on, 32 hex digits. */
  readonly id: string;
  readonly name: string;
  /** Bytes in the file. */
  readonly size: number;
  readonly mime: string;
  /** Hex SHA-256 root over the block hashes (block-hashes.ts). */
  readonly root: string;
  /** Block size in bytes, a power of two from 16 to 64 KiB. */
  readonly bs: number;
  /** When the user sent it, Unix ms. */
  readonly ts: number;
}
/** `files.resume` (durable): the receiver has these block ranges; send the rest (and the hash list when `hashes`). */
export interface FilesResumeHeader {
  readonly id: string;
  readonly have: readonly BlockRange[];
  readonly hashes: boolean;
}
/** `files.hashes` (bulk): hashes of blocks `from`.. in the payload, 32 bytes each. */
export interface FilesHashesHeader {
  readonly id: string;
  readonly from: number;
}
/** `files.chunk` (bulk): block `i` of the file in the payload. */
export interface FilesChunkHeader {
  readonly id: string;
  readonly i: number;
}
/** `files.nack` (durable): send these block ranges (again); `urgent` puts them first (a seek). */
export interface FilesNackHeader {
  readonly id: string;
  readonly ranges: readonly BlockRange[];
  readonly urgent: boolean;
}
/** `files.hold` (durable): the receiver stops taking blocks until its next resume (`disk-full`, `paused`). */
export interface FilesHoldHeader {
  readonly id: string;
  readonly reason: string;
}
/** `files.pause` (durable): the sender paused sending (`paused`) or took it up again; what the receiver shows. */
export interface FilesPauseHeader {
  readonly id: string;
  readonly paused: boolean;
}
/** `files.done` (durable): every block arrived, verified, and the root matched; the sender may drop its copy. */
export interface FilesDoneHeader {
  readonly id: string;
  readonly root: string;
}
/** `files.cancel` (durable, either side): the transfer is over; drop every copy and partial. */
export interface FilesCancelHeader {
  readonly id: string;
  readonly reason: string;
}

export function isTransferId(value: unknown): value is string {
  return typeof value === 'string' && TRANSFER_ID.test(value);
}
export function isRoot(value: unknown): value is string {
  return typeof value === 'string' && ROOT.test(value);
}
export function isMime(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_MIME_CHARS && MIME.test(value);
}
function isReason(value: unknown): value is string {
  return typeof value === 'string' && REASON.test(value);
}
function isBlockIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < MAX_FILE_BYTES / MIN_BLOCK_BYTES;
}
export function isBlockSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_BLOCK_BYTES && value <= MAX_BLOCK_BYTES && (value & (value - 1)) === 0;
}
/** Unix ms between 2020 and 2100. */
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 1_577_836_800_000 && value < 4_102_444_800_000;
}

/**
 * The offer's name is checked for shape only (a string of sane length); the receiver sanitises it
 * (safe-names.ts) before it is stored or shown, so a hostile name is cleaned, not refused.
 */
export const filesOffer = defineKind<FilesOfferHeader>('files.offer', (h: EventHeader) => {
  const { id, name, size, mime, root, bs, ts } = h;
  if (!isTransferId(id) || typeof name !== 'string' || name.length === 0 || name.length > 1024) return null;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
  if (typeof mime !== 'string' || mime.length > 256 || !isRoot(root) || !isBlockSize(bs) || !isTimestamp(ts)) return null;
  return { id, name, size, mime, root, bs, ts };
});

export const filesResume = defineKind<FilesResumeHeader>('files.resume', (h) => {
  const { id, have, hashes } = h;
  if (!isTransferId(id) || !isBlockRanges(have) || typeof hashes !== 'boolean') return null;
  return { id, have, hashes };
});

export const filesHashes = defineKind<FilesHashesHeader>('files.hashes', (h) =>
  isTransferId(h.id) && isBlockIndex(h.from) ? { id: h.id, from: h.from } : null);

export const filesChunk = defineKind<FilesChunkHeader>('files.chunk', (h) =>
  isTransferId(h.id) && isBlockIndex(h.i) ? { id: h.id, i: h.i } : null);

export const filesNack = defineKind<FilesNackHeader>('files.nack', (h) => {
  const { id, ranges, urgent } = h;
  if (!isTransferId(id) || !isBlockRanges(ranges) || ranges.length === 0 || typeof urgent !== 'boolean') return null;
  return { id, ranges, urgent };
});

export const filesHold = defineKind<FilesHoldHeader>('files.hold', (h) =>
  isTransferId(h.id) && isReason(h.reason) ? { id: h.id, reason: h.reason } : null);

export const filesPause = defineKind<FilesPauseHeader>('files.pause', (h) =>
  isTransferId(h.id) && typeof h.paused === 'boolean' ? { id: h.id, paused: h.paused } : null);

export const filesDone = defineKind<FilesDoneHeader>('files.done', (h) =>
  isTransferId(h.id) && isRoot(h.root) ? { id: h.id, root: h.root } : null);

export const filesCancel = defineKind<FilesCancelHeader>('files.cancel', (h) =>
  isTransferId(h.id) && isReason(h.reason) ? { id: h.id, reason: h.reason } : null);

/** Every files kind, in manifest order. */
export const FILES_KINDS = [filesOffer, filesResume, filesHashes, filesChunk, filesNack, filesHold, filesPause, filesDone, filesCancel] as const;

export { MAX_RANGES_PER_EVENT };
