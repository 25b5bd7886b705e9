import type { MediaPreviewKind } from '@kith/sdk';

/** File name extensions ffmpeg reads, by what a preview of them becomes. */
const BY_EXTENSION: Readonly<Record<string, MediaPreviewKind>> = Object.fromEntries([
  ...['heic', 'heif', 'avif', 'tif', 'tiff', 'bmp', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'jxl', 'ico', 'tga', 'psd', 'pcx', 'dds', 'exr', 'ppm', 'pgm', 'xbm'].map((e) => [e, 'image']),
  ...['mp3', 'wav', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'amr', 'awb', 'wma', 'aif', 'aiff', 'caf', 'ape', 'wv', 'mka', 'ac3', 'au', 'mid'].map((e) => [e, 'audio']),
  ...['mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm', 'wmv', 'asf', 'flv', '3gp', '3g2', 'mpg', 'mpeg', 'ts', 'mts', 'm2ts', 'ogv', 'vob', 'dv'].map((e) => [e, 'video']),
]);

/** MIME types that say nothing about the content: the name's extension decides instead. */
const GENERIC_MIME = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/**
 * What a preview of `name` / `mime` becomes: the MIME type's top-level type when it is image,
 * audio or video, else the name's extension. Undefined: not media (the caller answers 415).
 */
export function previewKind(name: string, mime: string | undefined): MediaPreviewKind | undefined {
  const type = (mime ?? '').trim().toLowerCase();
  const top = type.split('/')[0];
  if (top === 'image' || top === 'audio' || top === 'video') return top;
  if (!GENERIC_MIME.has(type)) return undefined;
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}
