import type { FilesApi, TransferJson } from './files-api';

/**
 * Media elements cannot send the launch secret, so the page fetches the bytes itself: a finished
 * file becomes an object URL; a WebM still arriving is fed to a MediaSource as its bytes come
 * (the inbound stream route waits for blocks and asks the sender for them first), so it plays
 * before the transfer ends.
 */
export async function attachMedia(api: FilesApi, t: TransferJson, element: HTMLMediaElement | HTMLImageElement, signal: AbortSignal): Promise<() => void> {
  const live = t.state !== 'complete' && t.direction === 'in' && /^video\/webm|^audio\/webm/.test(t.mime) && 'MediaSource' in window;
  if (!live) {
    const url = await api.objectUrl(t);
    element.src = url;
    return () => URL.revokeObjectURL(url);
  }
  const head = new Uint8Array(await (await api.fetchStream(t, 'bytes=0-65535')).arrayBuffer());
  const type = `${t.mime}; codecs="${webmCodecs(head, t.mime.startsWith('audio/'))}"`;
  const source = new MediaSource();
  const url = URL.createObjectURL(source);
  element.src = url;
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  const buffer = source.addSourceBuffer(type);
  const res = await api.fetchStream(t);
  const reader = res.body!.getReader();
  void (async () => {
    for (;;) {
      if (signal.aborted) return void reader.cancel();
      const { done, value } = await reader.read();
      if (done) break;
      if (buffer.updating) await new Promise((r) => buffer.addEventListener('updateend', r, { once: true }));
      buffer.appendBuffer(value);
      await new Promise((r) => buffer.addEventListener('updateend', r, { once: true }));
    }
    if (source.readyState === 'open') source.endOfStream();
  })().catch(() => undefined);
  return () => {
    void reader.cancel().catch(() => undefined);
    URL.revokeObjectURL(url);
  };
}

/** The codec ids a WebM's track headers name (EBML CodecID strings are plain ASCII). */
export function webmCodecs(head: Uint8Array, audioOnly: boolean): string {
  const text = new TextDecoder('latin1').decode(head);
  const found: string[] = [];
  if (!audioOnly) {
    if (text.includes('V_VP9')) found.push('vp9');
    else if (text.includes('V_VP8')) found.push('vp8');
    else if (text.includes('V_AV1')) found.push('av01.0.05M.08');
  }
  if (text.includes('A_OPUS')) found.push('opus');
  else if (text.includes('A_VORBIS')) found.push('vorbis');
  return found.join(', ') || (audioOnly ? 'opus' : 'vp8');
}
