import type { UiHost } from '@kith/sdk';
import { previewUrl, type OpenedPreview } from './media-preview';

/** A transfer as the files routes answer it (src/transfer-book.ts). */
export interface TransferJson {
  readonly transfer_id: string;
  readonly direction: 'out' | 'in' | 'self';
  readonly peer: string | null;
  readonly peer_label?: string | null;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly bytes_done: number;
  readonly state: 'uploading' | 'offered' | 'active' | 'held' | 'complete' | 'cancelled' | 'failed';
  readonly paused: boolean;
  readonly error: string | null;
  readonly root: string;
  readonly created_at: number;
  readonly completed_at: number | null;
  readonly available: boolean;
  /** Block bytes sent or received so far, across restarts. */
  readonly payload_bytes?: number;
}

/** Upload pieces: small enough for progress, large enough to be cheap. */
const PIECE_BYTES = 8 * 1024 * 1024;
const ONE_SHOT_BYTES = 32 * 1024 * 1024;
/** The host's limit for one file (src/files-kinds.ts MAX_FILE_BYTES): checked here too, so nothing is uploaded for a file it would refuse. */
export const MAX_FILE_BYTES = 16 * 1024 ** 3;

export class FilesApi {
  private previewSupport: Promise<boolean> | undefined;

  constructor(private readonly host: UiHost) {}

  /** Whether this host can make previews (it has ffmpeg); asked once. */
  canPreview(): Promise<boolean> {
    return (this.previewSupport ??= this.host.request<{ available: boolean }>('GET', '/media/preview').then((s) => s.available, () => false));
  }

  /** A browser-friendly copy (PNG, WAV or MP4) of a held file the browser cannot show as it is. */
  async preview(t: TransferJson): Promise<OpenedPreview> {
    const answer = await this.host.request<{ kind: OpenedPreview['kind']; mime: string; data_base64: string }>('POST', '/media/preview', { transfer_id: t.transfer_id });
    return { kind: answer.kind, url: previewUrl(answer) };
  }

  transfers(): Promise<{ transfers: TransferJson[] }> {
    return this.host.request('GET', '/files/transfers');
  }

  media(filter: { peer?: string; type?: string } = {}): Promise<{ items: TransferJson[] }> {
    const q = new URLSearchParams();
    if (filter.peer) q.set('peer', filter.peer);
    if (filter.type) q.set('type', filter.type);
    return this.host.request('GET', `/media${q.size ? `?${q}` : ''}`);
  }

  /** Send a file: to a friend as a staged upload, to yourself in one request. */
  async send(peer: string, file: File, onProgress: (sent: number) => void): Promise<TransferJson> {
    if (peer === 'self') {
      if (file.size > ONE_SHOT_BYTES) throw new Error('Files to yourself are limited to 32 MiB for now');
      const data = await base64(file);
      return this.host.request('POST', '/self/files', { name: file.name, mime: file.type || undefined, data_base64: data });
    }
    if (file.size > MAX_FILE_BYTES) throw new Error(`Not sent: it is ${formatBytes(file.size)}, over the ${formatBytes(MAX_FILE_BYTES)} limit for one file`);
    const begun = await this.host.request<TransferJson>('POST', `/sessions/${peer}/files/begin`, { name: file.name, mime: file.type || undefined, size: file.size });
    const id = begun.transfer_id;
    try {
      for (let idx = 0, at = 0; at < file.size; idx++, at += PIECE_BYTES) {
        const res = await this.host.fetch(`/sessions/${peer}/files/${id}/chunk?idx=${idx}`, {
          method: 'POST', body: file.slice(at, at + PIECE_BYTES), headers: { 'content-type': 'application/octet-stream' },
        });
        // The host's own words (e.g. the disk is full), not just a status.
        if (!res.ok) throw new Error((await res.json().catch(() => null))?.error?.message ?? `Upload failed (${res.status})`);
        onProgress(Math.min(file.size, at + PIECE_BYTES));
      }
      return await this.host.request<TransferJson>('POST', `/sessions/${peer}/files/${id}/commit`);
    } catch (error) {
      // Drop the half-sealed copy rather than leave it on disk.
      await this.host.request('POST', `/sessions/${peer}/files/${id}/cancel`).catch(() => undefined);
      throw error;
    }
  }

  pause(t: TransferJson, paused: boolean): Promise<TransferJson> {
    return this.host.request('POST', `/sessions/${t.peer}/files/${t.transfer_id}/pause`, { paused });
  }

  cancel(t: TransferJson): Promise<TransferJson> {
    return this.host.request('POST', `/sessions/${t.peer}/files/${t.transfer_id}/cancel`);
  }

  remove(t: TransferJson): Promise<void> {
    return this.host.request('DELETE', `/files/${t.transfer_id}`);
  }

  /** A URL a media element or a download link can open (the stream route, with Range). */
  mediaUrl(t: TransferJson): Promise<string> {
    return this.host.mediaUrl(streamPath(t));
  }

  /** Save the file as the browser saves a download, under its own name (decrypted by the stream route). */
  async save(t: TransferJson): Promise<void> {
    const link = document.createElement('a');
    link.href = await this.mediaUrl(t);
    link.download = t.name;
    link.click();
  }

  /** The persona-wide cap on upload speed (null: as fast as the session goes). */
  setSendRate(bytesPerSecond: number | null): Promise<{ bytes_per_second: number | null }> {
    return this.host.request('POST', '/files/send-rate', { bytes_per_second: bytesPerSecond });
  }
}

export function streamPath(t: TransferJson): string {
  return `/files/inbound/${t.transfer_id}/stream`;
}

async function base64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function kindOf(mime: string): 'image' | 'audio' | 'video' | 'other' {
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(mime)) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'other';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
