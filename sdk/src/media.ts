/**
 * `ctx.media` (API 1.1): turn a small attachment the browser cannot show (HEIC or TIFF images, AMR
 * or WMA audio, AVI or MKV video…) into one it can: a PNG, a WAV, or a fragmented MP4 (H.264 +
 * AAC). The host runs ffmpeg for it, so extensions need no process of their own (isolated ones may
 * start none). Every call takes and returns plain data, so it crosses a process boundary.
 */

/** What a preview becomes: the first frame of an image, up to a minute of audio or video. */
export type MediaPreviewKind = 'image' | 'audio' | 'video';

/** Input to {@link Media.preview}. */
export interface MediaPreviewRequest {
  /** The attachment's file name; its extension is used when `mime` is missing or generic. */
  readonly name: string;
  /** Its MIME type, if known (`image/heic`, `video/x-msvideo`…). */
  readonly mime?: string;
  /** The attachment's bytes: at most {@link MEDIA_PREVIEW_MAX_INPUT_BYTES}. */
  readonly data: Uint8Array;
}

/** A browser-friendly rendering of the input. */
export interface MediaPreview {
  readonly kind: MediaPreviewKind;
  /** `image/png`, `audio/wav` or `video/mp4`. */
  readonly mime: string;
  /** The input's name with the preview's extension (`photo.heic` → `photo.png`). */
  readonly name: string;
  readonly data: Uint8Array;
}

/** What the host's previewer can do now. */
export interface MediaPreviewSupport {
  /** False when no ffmpeg was found (install it, or set `KITH_FFMPEG` to its path). */
  readonly available: boolean;
  readonly maxInputBytes: number;
}

/** The largest input {@link Media.preview} takes (16 MiB): previews are for small attachments. */
export const MEDIA_PREVIEW_MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Media conversion for display. One preview runs at a time per host (up to 8 others wait their
 * turn; more answer `KITH_ERR_RATE_LIMITED`);
 * each is bounded in time (30 s), output size and picture size, and ffmpeg opens nothing but
 * the bytes it is given (no files, no network, whatever the input's container asks for).
 *
 * Errors: `KITH_ERR_MEDIA_TOOL_MISSING` (no ffmpeg), `KITH_ERR_PAYLOAD_TOO_LARGE` (input over the
 * limit, or a preview over 64 MiB), `KITH_ERR_UNSUPPORTED_MEDIA` (neither the MIME type nor the
 * name says image, audio or video), `KITH_ERR_MEDIA_UNREADABLE` (ffmpeg could not decode it),
 * `KITH_ERR_TIMEOUT`, `KITH_ERR_BAD_REQUEST` (malformed request).
 */
export interface Media {
  support(): Promise<MediaPreviewSupport>;
  preview(request: MediaPreviewRequest): Promise<MediaPreview>;
}
