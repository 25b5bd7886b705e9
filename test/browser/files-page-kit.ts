/**
 * What the files browser suites do in a page as a person would: drop files on the conversation (a
 * real drop event carrying a DataTransfer built in the page), make media in the page itself (a
 * canvas PNG, a WAV, a WebM recorded from a canvas with MediaRecorder: no ffmpeg here), and find a
 * transfer's row.
 */
import type { Page } from 'playwright-core';

export type MadeFile = { name: string; mime: string } & ({ kind: 'random'; size: number } | { kind: 'png' } | { kind: 'wav'; seconds: number } | { kind: 'webm'; seconds: number; bitsPerSecond: number });

/** Make `file` in the page and drop it on the conversation. Returns the file's size. */
export async function dropFile(page: Page, file: MadeFile): Promise<number> {
  const size = await makeFile(page, file);
  await dropMadeFile(page, file.name);
  return size;
}

/** Make `file` in the page and keep it as `window.__files[name]` (to drop, or read back). Returns its size. */
export async function makeFile(page: Page, file: MadeFile): Promise<number> {
  return page.evaluate(async (spec) => {
    const make = async (): Promise<Blob> => {
      if (spec.kind === 'random') {
        const bytes = new Uint8Array(spec.size);
        for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
        return new Blob([bytes]);
      }
      if (spec.kind === 'png') {
        const canvas = document.createElement('canvas');
        canvas.width = 64;
        canvas.height = 48;
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#c0392b';
        g.fillRect(0, 0, 64, 48);
        return new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
      }
      if (spec.kind === 'wav') {
        const rate = 8000;
        const n = rate * spec.seconds;
        const view = new DataView(new ArrayBuffer(44 + n * 2));
        const text = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
        text(0, 'RIFF'); view.setUint32(4, 36 + n * 2, true); text(8, 'WAVE'); text(12, 'fmt ');
        view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
        view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
        text(36, 'data'); view.setUint32(40, n * 2, true);
        for (let i = 0; i < n; i++) view.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
        return new Blob([view.buffer]);
      }
      // A WebM recorded from an animated canvas: Chromium's own encoder and muxer, a real file.
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext('2d')!;
      const stream = canvas.captureStream(30);
      const type = MediaRecorder.isTypeSupported('video/webm;codecs=vp8') ? 'video/webm;codecs=vp8' : 'video/webm';
      const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: spec.bitsPerSecond });
      const parts: Blob[] = [];
      recorder.ondataavailable = (e) => parts.push(e.data);
      const stopped = new Promise((resolve) => (recorder.onstop = resolve));
      let frame = 0;
      const draw = setInterval(() => {
        // Noise-like stripes that change every frame, so the encoder has something to spend bits on.
        for (let y = 0; y < 240; y += 8) {
          g.fillStyle = `hsl(${(frame * 13 + y * 7) % 360} 80% ${30 + ((frame * y) % 40)}%)`;
          g.fillRect(0, y, 320, 8);
        }
        g.fillStyle = '#fff';
        g.fillRect((frame * 9) % 320, 100, 40, 40);
        frame++;
      }, 33);
      recorder.start(250);
      await new Promise((r) => setTimeout(r, spec.seconds * 1000));
      recorder.stop();
      await stopped;
      clearInterval(draw);
      return new Blob(parts);
    };
    const file = new File([await make()], spec.name, { type: spec.mime });
    ((window as any).__files ??= {})[spec.name] = file;
    return file.size;
  }, file);
}

/** Drop a file made by {@link makeFile} on the conversation: dragenter, dragover, drop on the chat panel. */
export async function dropMadeFile(page: Page, name: string): Promise<void> {
  await page.evaluate((n) => {
    const file = (window as any).__files[n] as File;
    const data = new DataTransfer();
    data.items.add(file);
    const panel = document.querySelector('[data-testid="chat-panel"]');
    if (!panel) throw new Error('no chat panel to drop on');
    panel.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
    panel.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    panel.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, name);
}

/** Put `bytes` (a fixture read by the test) in the page as `window.__files[name]`, as {@link makeFile} does, to drop. */
export async function putFile(page: Page, name: string, mime: string, bytes: Buffer): Promise<void> {
  await page.evaluate(({ name, mime, b64 }) => {
    const text = atob(b64);
    const data = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) data[i] = text.charCodeAt(i);
    ((window as any).__files ??= {})[name] = new File([data], name, { type: mime });
  }, { name, mime, b64: bytes.toString('base64') });
}

/** The bytes of a file made by {@link makeFile} (to compare with what arrived). */
export async function madeFileBytes(page: Page, name: string): Promise<Buffer> {
  const b64 = await page.evaluate(async (n) => {
    const bytes = new Uint8Array(await ((window as any).__files[n] as File).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, name);
  return Buffer.from(b64, 'base64');
}

/** The conversation's row for the file called `name`. */
export function transferRow(page: Page, name: string) {
  return page.locator('files-transfer-row').filter({ hasText: name });
}

/** The row's transfer id (from its `transfer-<id>` test id). */
export async function rowTransferId(page: Page, name: string): Promise<string> {
  const row = transferRow(page, name).locator('[data-testid^="transfer-"]');
  await row.waitFor({ timeout: 30_000 });
  return (await row.getAttribute('data-testid'))!.slice('transfer-'.length);
}

/** The progress bar's value (aria-valuenow), 0..100. */
export async function barValue(page: Page, name: string): Promise<number> {
  return Number(await transferRow(page, name).locator('mat-progress-bar').getAttribute('aria-valuenow'));
}
