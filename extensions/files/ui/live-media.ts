import type { FilesApi, TransferJson } from './files-api';

/**
 * Point a media element at the file's inbound stream route through a media URL (a short-lived
 * capability: media elements cannot send the launch secret). The element's own Range requests
 * do the rest: bytes that have arrived are served at once, a range not here yet is asked of the
 * sender first (a seek), so a WebM plays while it arrives and nothing is held in page memory.
 */
export async function attachMedia(api: FilesApi, t: TransferJson, element: HTMLMediaElement | HTMLImageElement): Promise<void> {
  element.src = await api.mediaUrl(t);
}
