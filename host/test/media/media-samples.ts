import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Media made by ffmpeg's own test sources, in formats a browser cannot show, for the previewer's tests. */
export function makeSample(args: readonly string[]): Uint8Array {
  return new Uint8Array(execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 }));
}

/** An AVI of `seconds` (MPEG-4 part 2 video 320×240, MP3 audio). */
export const aviClip = (seconds = 2) =>
  makeSample(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds), '-c:v', 'mpeg4', '-c:a', 'libmp3lame', '-f', 'avi']);

/** A TIFF test card of `width`×`height`. */
export const tiffImage = (width: number, height: number) =>
  makeSample(['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}`, '-frames:v', '1', '-c:v', 'tiff', '-compression_algo', 'deflate', '-f', 'image2pipe']);

/** `seconds` of a 440 Hz tone as FLAC, mono 22.05 kHz. */
export const flacTone = (seconds: number) =>
  makeSample(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=22050:duration=${seconds}`, '-c:a', 'flac', '-f', 'flac']);

/** What ffprobe says of `data`'s streams and duration. */
export function probe(data: Uint8Array): { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration?: string; format_name: string } } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-probe-'));
  try {
    // From a file: ffprobe stops reading a pipe as soon as it knows enough (EPIPE for the writer).
    const file = path.join(dir, 'media');
    fs.writeFileSync(file, data);
    return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString('utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A 4 s MOV whose index (moov) follows ~250 KB of media, as phones record: readable only with seeking. */
export function movIndexAtEnd(): Uint8Array {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-sample-'));
  try {
    const file = path.join(dir, 'clip.mov');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=25', '-t', '4', '-c:v', 'mpeg4', '-q:v', '1', file]);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const moov = Buffer.from(bytes).indexOf('moov', 0, 'latin1');
    const mdat = Buffer.from(bytes).indexOf('mdat', 0, 'latin1');
    if (!(moov > mdat && mdat > 0)) throw new Error('the sample should have its moov after its mdat');
    return bytes;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
