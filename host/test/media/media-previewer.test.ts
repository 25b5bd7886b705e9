/**
 * `ctx.media.preview` with a real ffmpeg: each kind becomes what a browser shows, bounded by
 * picture size and duration; hostile inputs (containers naming other files, garbage, too much
 * work) fail with a clear code and read nothing else.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MEDIA_PREVIEW_MAX_INPUT_BYTES, isKithError } from '@kith/sdk';
import { needs } from '../../../test/support/needs.js';
import { MediaPreviewer, previewName } from '../../src/media/media-previewer.js';
import { aviClip, flacTone, makeSample, movIndexAtEnd, probe, tiffImage } from './media-samples.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isKithError(error)) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
};

describe('media previews: with no ffmpeg', () => {
  const previewer = new MediaPreviewer({ env: { KITH_FFMPEG: '/nonexistent/ffmpeg', PATH: process.env.PATH } });

  it('reports it unavailable and refuses with KITH_ERR_MEDIA_TOOL_MISSING (503), naming how to install it', async () => {
    expect(await previewer.support()).to.deep.equal({ available: false, maxInputBytes: MEDIA_PREVIEW_MAX_INPUT_BYTES });
    const r = await refusal(previewer.preview({ name: 'a.avi', data: new Uint8Array(10) }));
    expect(r).to.include({ code: 'KITH_ERR_MEDIA_TOOL_MISSING', status: 503 });
    expect(r.message).to.contain('apt-get install ffmpeg').and.contain('KITH_FFMPEG');
  });

  it('checks the request before looking for ffmpeg: size, name, MIME type, kind', async () => {
    expect(await refusal(previewer.preview({ name: 'big.avi', data: new Uint8Array(MEDIA_PREVIEW_MAX_INPUT_BYTES + 1) }))).to.include({ code: 'KITH_ERR_PAYLOAD_TOO_LARGE', status: 413 });
    expect(await refusal(previewer.preview({ name: '', data: new Uint8Array(1) }))).to.include({ code: 'KITH_ERR_BAD_REQUEST' });
    expect(await refusal(previewer.preview({ name: 'x'.repeat(256), data: new Uint8Array(1) }))).to.include({ code: 'KITH_ERR_BAD_REQUEST' });
    expect(await refusal(previewer.preview({ name: 'a.avi', mime: 'video/x-msvideo\r\nX: 1', data: new Uint8Array(1) }))).to.include({ code: 'KITH_ERR_BAD_REQUEST' });
    expect(await refusal(previewer.preview({ name: 'a.avi', data: 'not bytes' as never }))).to.include({ code: 'KITH_ERR_BAD_REQUEST' });
    expect(await refusal(previewer.preview(null as never))).to.include({ code: 'KITH_ERR_BAD_REQUEST' });
    expect(await refusal(previewer.preview({ name: 'notes.txt', mime: 'text/plain', data: new Uint8Array(1) }))).to.include({ code: 'KITH_ERR_UNSUPPORTED_MEDIA', status: 415 });
    expect(await refusal(previewer.preview({ name: 'page.html', data: new Uint8Array(1) }))).to.include({ code: 'KITH_ERR_UNSUPPORTED_MEDIA' });
  });

  it('names the preview after the input, without folders or control characters', () => {
    expect(previewName('clip.final.avi', 'mp4')).to.equal('clip.final.mp4');
    expect(previewName('../../etc/x\u0000\u001b.heic', 'png')).to.equal('x.png');
    expect(previewName('C:\\photos\\.hidden', 'png')).to.equal('.hidden.png');
    expect(previewName('///', 'wav')).to.equal('preview.wav');
  });
});

describe('media previews: with a real ffmpeg', function () {
  needs('ffmpeg');
  this.timeout(120_000);
  const previewer = new MediaPreviewer();

  it('turns an AVI (MPEG-4 + MP3) into a fragmented MP4 of H.264 + AAC of the same length', async () => {
    const preview = await previewer.preview({ name: 'holiday.avi', mime: 'video/x-msvideo', data: aviClip() });
    expect(preview).to.include({ kind: 'video', mime: 'video/mp4', name: 'holiday.mp4' });
    // An empty moov then fragments: playable from a pipe, as a <video> gets it.
    expect(Buffer.from(preview.data.subarray(4, 8)).toString('latin1')).to.equal('ftyp');
    expect(Buffer.from(preview.data).includes(Buffer.from('moof'))).to.equal(true);
    const info = probe(preview.data);
    expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).to.deep.equal(['audio:aac', 'video:h264']);
    expect(info.streams.find((s) => s.codec_type === 'video')).to.include({ width: 320, height: 240 });
    expect(Number(info.format.duration)).to.be.closeTo(2, 0.2);
  });

  it('turns a TIFF into a PNG of its size, and shrinks a huge one to fit 2048 px', async () => {
    const small = await previewer.preview({ name: 'scan.tiff', data: tiffImage(320, 200) });
    expect(small).to.include({ kind: 'image', mime: 'image/png', name: 'scan.png' });
    expect([...small.data.subarray(0, 8)]).to.deep.equal(PNG_SIGNATURE);
    expect(pngSize(small.data)).to.deep.equal({ width: 320, height: 200 });
    const large = await previewer.preview({ name: 'poster.tif', mime: 'image/tiff', data: tiffImage(4096, 3072) });
    expect(pngSize(large.data)).to.deep.equal({ width: 2048, height: 1536 });
  });

  it('turns FLAC into a WAV whose RIFF and data sizes match its length (a pipe leaves them unset)', async () => {
    const preview = await previewer.preview({ name: 'tone', mime: 'audio/flac', data: flacTone(1.5) });
    expect(preview).to.include({ kind: 'audio', mime: 'audio/wav', name: 'tone.wav' });
    const view = new DataView(preview.data.buffer, preview.data.byteOffset, preview.data.byteLength);
    expect(view.getUint32(4, true)).to.equal(preview.data.byteLength - 8);
    const data = Buffer.from(preview.data).indexOf('data', 12, 'latin1');
    expect(view.getUint32(data + 4, true)).to.equal(preview.data.byteLength - data - 8);
    // 1.5 s at 48 kHz, stereo, 16-bit.
    expect(view.getUint32(data + 4, true)).to.equal(1.5 * 48_000 * 2 * 2);
  });

  it('reads a MOV whose index follows the media (it needs seeking) from a private memory file, leaving no file behind', async () => {
    const shmBefore = fs.existsSync('/dev/shm') ? fs.readdirSync('/dev/shm').filter((f) => f.startsWith('kith-preview-')) : [];
    const preview = await previewer.preview({ name: 'IMG_0001.MOV', mime: 'video/quicktime', data: movIndexAtEnd() });
    expect(probe(preview.data).streams.map((s) => s.codec_name)).to.deep.equal(['h264']);
    if (fs.existsSync('/dev/shm')) expect(fs.readdirSync('/dev/shm').filter((f) => f.startsWith('kith-preview-'))).to.deep.equal(shmBefore);
  });

  it('pipes the input where there is no tmpfs: streamable formats still work, one that needs seeking fails clearly', async () => {
    const piped = new MediaPreviewer({ pipeOnly: true });
    expect((await piped.preview({ name: 'holiday.avi', data: aviClip() })).kind).to.equal('video');
    expect(await refusal(piped.preview({ name: 'IMG_0001.MOV', data: movIndexAtEnd() }))).to.include({ code: 'KITH_ERR_MEDIA_UNREADABLE' });
  });

  it('reads only whitelisted containers: a valid YUV4MPEG video and an SVG (it can name other files) are refused', async () => {
    // The YUV4MPEG clip decodes when ffmpeg may pick any demuxer (checked by hand): the whitelist refuses it.
    const y4m = makeSample(['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '1', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe']);
    expect(await refusal(previewer.preview({ name: 'raw.y4m', mime: 'video/x-yuv4mpeg', data: y4m }))).to.include({ code: 'KITH_ERR_MEDIA_UNREADABLE' });
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/><image href="file:///etc/hostname"/></svg>';
    expect(await refusal(previewer.preview({ name: 'x.svg', mime: 'image/svg+xml', data: new TextEncoder().encode(svg) }))).to.include({ code: 'KITH_ERR_MEDIA_UNREADABLE' });
  });

  it('keeps at most a minute of a long recording', async () => {
    const preview = await previewer.preview({ name: 'lecture.flac', data: flacTone(75) });
    expect(Number(probe(preview.data).format.duration)).to.be.closeTo(60, 0.1);
  });

  it('uses the name when the MIME type is generic, and refuses what it cannot decode with KITH_ERR_MEDIA_UNREADABLE (422)', async () => {
    expect((await previewer.preview({ name: 'scan.TIF', mime: 'application/octet-stream', data: tiffImage(64, 64) })).kind).to.equal('image');
    expect((await previewer.preview({ name: 'clip', mime: 'video/x-msvideo; codecs="mp4v"', data: aviClip() })).kind).to.equal('video');
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
    expect(await refusal(previewer.preview({ name: 'broken.avi', data: garbage }))).to.include({ code: 'KITH_ERR_MEDIA_UNREADABLE', status: 422 });
    // Audio asked of a file with no audio stream.
    expect(await refusal(previewer.preview({ name: 'scan.wav', data: tiffImage(64, 64) }))).to.include({ code: 'KITH_ERR_MEDIA_UNREADABLE' });
  });

  it('opens nothing a hostile container names: a concat list or an HLS playlist pointing at a local file gives no preview of it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-preview-'));
    const secret = path.join(dir, 'secret.flac');
    fs.writeFileSync(secret, flacTone(1));
    try {
      // ffmpeg 5.1 refuses both by itself too (concat's safe mode, HLS from a pipe); the
      // protocol whitelist is the wall that holds if a demuxer's own check does not.
      const concat = `ffconcat version 1.0\nfile '${secret}'\n`;
      const hls = `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nfile://${secret}\n#EXT-X-ENDLIST\n`;
      for (const [name, list] of [['list.wav', concat], ['list.m4a', hls]] as const) {
        const r = await refusal(previewer.preview({ name, mime: 'audio/wav', data: new TextEncoder().encode(list) }));
        expect(r.code, name).to.equal('KITH_ERR_MEDIA_UNREADABLE');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a run past its deadline with KITH_ERR_TIMEOUT and one past its output limit with KITH_ERR_PAYLOAD_TOO_LARGE', async () => {
    const slow = new MediaPreviewer({ limits: { timeoutMs: 1, maxOutputBytes: 64 * 1024 * 1024 } });
    expect(await refusal(slow.preview({ name: 'clip.avi', data: aviClip() }))).to.include({ code: 'KITH_ERR_TIMEOUT', status: 504 });
    const small = new MediaPreviewer({ limits: { timeoutMs: 30_000, maxOutputBytes: 1000 } });
    expect(await refusal(small.preview({ name: 'clip.avi', data: aviClip() }))).to.include({ code: 'KITH_ERR_PAYLOAD_TOO_LARGE' });
  });

  it('runs ffmpeg at a lower CPU priority (nice 10) than Kith', async () => {
    const niceOfOurFfmpeg = (): number | undefined => {
      for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          // fields[1] is the parent pid, fields[16] the nice value (proc(5): fields 4 and 19).
          if (stat.includes('(ffmpeg)') && Number(fields[1]) === process.pid) return Number(fields[16]);
        } catch {
          // the process ended while we looked
        }
      }
      return undefined;
    };
    // A 20 s transcode: long enough to be seen running.
    const running = previewer.preview({ name: 'long.avi', data: aviClip(20) });
    let seen: number | undefined;
    while (seen === undefined) {
      seen = niceOfOurFfmpeg();
      if (seen === undefined && (await Promise.race([running.then(() => true), new Promise((r) => setTimeout(() => r(false), 5))]))) break;
    }
    await running;
    expect(seen, 'an ffmpeg child was seen while the preview ran').to.equal(10);
  });

  it('runs one preview at a time and refuses a ninth waiting one with KITH_ERR_RATE_LIMITED', async () => {
    const clip = tiffImage(64, 64);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => previewer.preview({ name: 'a.tiff', data: clip })));
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code: string }).code));
    expect(codes).to.deep.equal([...Array(8).fill('ok'), 'KITH_ERR_RATE_LIMITED', 'KITH_ERR_RATE_LIMITED']);
    // The queue drains: the next one runs.
    expect((await previewer.preview({ name: 'a.tiff', data: clip })).kind).to.equal('image');
  });
});
