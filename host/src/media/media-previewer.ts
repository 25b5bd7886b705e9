import fs from 'node:fs';
import { KithError, MEDIA_PREVIEW_MAX_INPUT_BYTES, type Media, type MediaPreview, type MediaPreviewKind, type MediaPreviewRequest, type MediaPreviewSupport } from '@kith/sdk';
import { ffmpegArgs, PREVIEW_EXTENSION, PREVIEW_MIME } from './ffmpeg-args.js';
import { locateFfmpeg } from './ffmpeg-locator.js';
import { runWithInput, type RunLimits, type RunResult } from './ffmpeg-run.js';
import { privateInput } from './private-input.js';
import { previewKind } from './preview-kind.js';
import { fixWavSizes } from './wav-sizes.js';

const LIMITS: RunLimits = { timeoutMs: 30_000, maxOutputBytes: 64 * 1024 * 1024 };
/** Previews waiting behind the running one; more are refused rather than queued without end. */
const MAX_WAITING = 8;
const MAX_NAME_LENGTH = 255;
const MIME_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** Where the previewer finds ffmpeg, and what it reports. */
export interface PreviewerOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly limits?: RunLimits;
  /** Always pipe the input (as on a machine without a tmpfs /dev/shm). */
  readonly pipeOnly?: boolean;
  readonly onFailure?: (detail: { kind: string; failure: string }) => void;
}

/**
 * The host's one media previewer (`ctx.media`): validates a request, then runs ffmpeg on it, one
 * run at a time. Decoding hostile media is the riskiest thing Kith does with a file, so it happens
 * in a separate process with bounded input, output, time and allocations (ffmpeg-args.ts).
 */
export class MediaPreviewer implements Media {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  constructor(private readonly options: PreviewerOptions = {}) {}

  async support(): Promise<MediaPreviewSupport> {
    return { available: locateFfmpeg(this.options.env) !== undefined, maxInputBytes: MEDIA_PREVIEW_MAX_INPUT_BYTES };
  }

  async preview(request: MediaPreviewRequest): Promise<MediaPreview> {
    const { name, mime, data } = checkRequest(request);
    const kind = previewKind(name, mime);
    if (!kind) throw new KithError('KITH_ERR_UNSUPPORTED_MEDIA', `Neither the MIME type nor the name of "${name}" says image, audio or video`);
    const ffmpeg = locateFfmpeg(this.options.env);
    if (!ffmpeg) throw new KithError('KITH_ERR_MEDIA_TOOL_MISSING');
    if (this.#waiting >= MAX_WAITING) throw new KithError('KITH_ERR_RATE_LIMITED', 'Too many previews are waiting; try again shortly');
    this.#waiting++;
    const turn = this.#tail.then(() => this.#run(ffmpeg, kind, data));
    this.#tail = turn.catch(() => undefined).finally(() => this.#waiting--);
    const result = await turn;
    if (!result.ok) {
      this.options.onFailure?.({ kind, failure: result.failure });
      if (result.failure === 'timeout') throw new KithError('KITH_ERR_TIMEOUT', 'ffmpeg took too long to make the preview');
      if (result.failure === 'too-large') throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', 'The preview would be larger than 64 MiB');
      throw new KithError('KITH_ERR_MEDIA_UNREADABLE');
    }
    let output = result.output;
    if (kind === 'audio') {
      try {
        output = fixWavSizes(output);
      } catch {
        throw new KithError('KITH_ERR_MEDIA_UNREADABLE');
      }
    }
    return { kind, mime: PREVIEW_MIME[kind], name: previewName(name, PREVIEW_EXTENSION[kind]), data: output };
  }

  async #run(ffmpeg: string, kind: MediaPreviewKind, data: Uint8Array): Promise<RunResult> {
    const limits = this.options.limits ?? LIMITS;
    const fd = this.options.pipeOnly ? undefined : privateInput(data);
    if (fd === undefined) return runWithInput(ffmpeg, ffmpegArgs(kind, 'stdin'), { bytes: data }, limits);
    try {
      return await runWithInput(ffmpeg, ffmpegArgs(kind, 'fd3'), { fd }, limits);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function checkRequest(request: unknown): { name: string; mime: string | undefined; data: Uint8Array } {
  if (typeof request !== 'object' || request === null) throw new KithError('KITH_ERR_BAD_REQUEST', 'A preview request is {name, mime?, data}');
  const { name, mime, data } = request as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `name must be a string of 1..${MAX_NAME_LENGTH} characters`);
  }
  // Parameters (`video/mp4; codecs=...`) say nothing the kind needs.
  const type = typeof mime === 'string' ? mime.split(';')[0]!.trim() : mime;
  if (type !== undefined && type !== null && (typeof type !== 'string' || (type !== '' && !MIME_PATTERN.test(type)))) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'mime must be a MIME type such as image/heic');
  }
  if (!ArrayBuffer.isView(data)) throw new KithError('KITH_ERR_BAD_REQUEST', 'data must be bytes');
  if (data.byteLength > MEDIA_PREVIEW_MAX_INPUT_BYTES) {
    throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `Previews are for files up to ${MEDIA_PREVIEW_MAX_INPUT_BYTES / 1024 / 1024} MiB`);
  }
  if (data.byteLength === 0) throw new KithError('KITH_ERR_MEDIA_UNREADABLE', 'The file is empty');
  return { name, mime: typeof type === 'string' ? type : undefined, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** `dir/clip.final.avi` → `clip.final.mp4`: the base name, no separators or control characters. */
export function previewName(name: string, extension: string): string {
  const base = name.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  const dot = base.lastIndexOf('.');
  const stem = (dot > 0 ? base.slice(0, dot) : base).slice(0, 200) || 'preview';
  return `${stem}.${extension}`;
}
