import type { TransferJson } from './files-api';

/** The host's preview input limit (MEDIA_PREVIEW_MAX_INPUT_BYTES in @kith/sdk). */
export const PREVIEW_MAX_BYTES = 16 * 1024 * 1024;

/** Names ffmpeg can turn into something the browser shows (host/src/media/preview-kind.ts). */
const MEDIA_NAME = /\.(heic|heif|avif|tiff?|bmp|psd|pcx|tga|jxl|ico|mp3|wav|flac|ogg|oga|opus|m4a|aac|amr|awb|wma|aiff?|caf|ape|wv|mka|ac3|au|mp4|m4v|mov|avi|mkv|webm|wmv|asf|flv|3gp|3g2|mpe?g|ts|mts|m2ts|ogv|vob|dv)$/i;

/** A preview made by the host, held in page memory as an object URL (revoke it when done). */
export interface OpenedPreview {
  readonly kind: 'image' | 'audio' | 'video';
  readonly url: string;
}

/** Whether the host could make a preview of `t`: a complete, held, small file that looks like media. */
export function mightPreview(t: TransferJson): boolean {
  if (t.state !== 'complete' || !t.available || t.size === 0 || t.size > PREVIEW_MAX_BYTES) return false;
  return /^(image|audio|video)\//.test(t.mime) || MEDIA_NAME.test(t.name);
}

/** An object URL of the preview's bytes, typed as the host said. */
export function previewUrl(answer: { mime: string; data_base64: string }): string {
  const text = atob(answer.data_base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: answer.mime }));
}
