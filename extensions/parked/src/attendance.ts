/**
 * Timed rendezvous attendance (IPv4 without a known address): the parked side fetches one room per
 * friendship and window only while its window is open (never between windows), and answers a
 * reach note found there with its current public address and a punch at the instant the note
 * names. Room names and notes come from the friend key: the server sees a fresh random-looking
 * room per window and sealed blobs (ChaCha20-Poly1305) it cannot open or link to a friendship.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { ExtensionContext } from '@kith/sdk';
import type { ParkedWindow } from './schedule.js';

/** How often the parked side looks into the room while its window is open. */
export const ATTEND_POLL_MS = 2_000;
/** A note is bounded before it is opened and parsed. */
const MAX_NOTE = 1024;

export interface ReachNote {
  readonly t: 'reach' | 'answer';
  /** The sender's public IPv4 address (STUN), or null. */
  readonly v4: string | null;
  /** Shared-clock instant both sides start sending. */
  readonly at: number;
  /** Random per note, so an answer names the reach it answers. */
  readonly id: string;
}

export function attendanceRoom(key: Uint8Array, window: ParkedWindow): string {
  return createHmac('sha256', key).update(`kith/parked/v1|room|${window.index}`).digest('hex');
}

function noteKey(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update('kith/parked/v1|note-key').digest();
}

export function sealNote(key: Uint8Array, note: ReachNote): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('chacha20-poly1305', noteKey(key), nonce, { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(JSON.stringify(note), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
}

export function openNote(key: Uint8Array, blob: string): ReachNote | undefined {
  if (typeof blob !== 'string' || blob.length > MAX_NOTE) return undefined;
  try {
    const raw = Buffer.from(blob, 'base64url');
    const decipher = createDecipheriv('chacha20-poly1305', noteKey(key), raw.subarray(0, 12), { authTagLength: 16 });
    decipher.setAuthTag(raw.subarray(12, 28));
    const note = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as ReachNote;
    if ((note.t !== 'reach' && note.t !== 'answer') || !Number.isFinite(note.at) || typeof note.id !== 'string' || note.id.length > 64) return undefined;
    if (note.v4 !== null && (typeof note.v4 !== 'string' || note.v4.length > 15)) return undefined;
    return note;
  } catch {
    return undefined; // not ours, or tampered with
  }
}

/** The rendezvous calls attendance makes, counted (the idle-cost bench reads the count). */
export class AttendanceIo {
  constructor(
    private readonly ctx: Pick<ExtensionContext, 'rendezvous'>,
    private readonly url: () => string,
    private readonly counted: () => void,
  ) {}

  get enabled(): boolean {
    return this.url() !== '';
  }

  async notes(key: Uint8Array, window: ParkedWindow): Promise<ReachNote[]> {
    this.counted();
    const entries = await this.ctx.rendezvous.fetch(this.url(), attendanceRoom(key, window));
    return entries.slice(0, 64).map((e) => openNote(key, e.blob)).filter((n): n is ReachNote => n !== undefined);
  }

  async post(key: Uint8Array, window: ParkedWindow, note: ReachNote): Promise<void> {
    this.counted();
    await this.ctx.rendezvous.publish(this.url(), attendanceRoom(key, window), sealNote(key, note));
  }
}
