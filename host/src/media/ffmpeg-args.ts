import type { MediaPreviewKind } from '@kith/sdk';

/** Longest audio or video a preview holds. */
export const PREVIEW_SECONDS = 60;

/**
 * The containers a preview may be read from: what people's phones, cameras and players make. A
 * whitelist, because some demuxers open other files or URLs the input names (HLS, DASH, concat,
 * image sequences, SDP/RTSP, SVG), and ffmpeg may open only the one input (the protocol whitelist).
 */
export const PREVIEW_DEMUXERS = [
  'mov', 'matroska', 'avi', 'asf', 'flv', 'mpeg', 'mpegts', 'mpegvideo', 'm4v', 'h264', 'hevc', 'ivf', 'dv', 'nut', 'rm', 'ogg',
  'wav', 'w64', 'flac', 'mp3', 'aac', 'amr', 'amrnb', 'amrwb', 'aiff', 'caf', 'ape', 'wv', 'ac3', 'eac3', 'au', 'xwma', 'tak', 'tta', 'dsf', 'mpc', 'mpc8',
  'mjpeg', 'gif', 'gif_pipe', 'apng', 'ico', 'bmp_pipe', 'tiff_pipe', 'png_pipe', 'jpeg_pipe', 'webp_pipe', 'psd_pipe', 'pcx_pipe', 'dds_pipe',
  'exr_pipe', 'pam_pipe', 'pbm_pipe', 'pgm_pipe', 'ppm_pipe', 'xbm_pipe', 'qoi_pipe', 'jpegxl_pipe', 'j2k_pipe', 'sgi_pipe', 'sunrast_pipe',
].join(',');

/** Where ffmpeg reads the input: a descriptor of a private memory file (private-input.ts), or stdin. */
export type InputSource = 'fd3' | 'stdin';

/**
 * Input side, the same for every kind. Only the one input may be opened (`file` for the inherited
 * descriptor, or `pipe`), and only by a whitelisted demuxer; `-max_alloc` bounds any one
 * allocation, so a header claiming a gigantic picture fails instead of exhausting memory.
 */
function inputArgs(source: InputSource): string[] {
  const [protocol, url] = source === 'fd3' ? ['file', 'file:/proc/self/fd/3'] : ['pipe', 'pipe:0'];
  return ['-hide_banner', '-nostats', '-loglevel', 'error', '-max_alloc', String(256 * 1024 * 1024),
    '-protocol_whitelist', protocol, '-format_whitelist', PREVIEW_DEMUXERS, '-i', url];
}

/** Downscale to fit a box, never up, keeping even sizes (H.264 needs them). */
const fit = (box: number) => `scale=w='min(${box},iw)':h='min(${box},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2`;

/** Output side by kind: a PNG of the first frame, WAV audio, or fragmented MP4 a `<video>` plays from a pipe. */
const OUTPUT: Readonly<Record<MediaPreviewKind, readonly string[]>> = {
  image: ['-map', '0:v:0', '-frames:v', '1', '-vf', fit(2048), '-c:v', 'png', '-f', 'image2pipe'],
  audio: ['-map', '0:a:0', '-vn', '-t', String(PREVIEW_SECONDS), '-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le', '-f', 'wav'],
  video: [
    '-map', '0:v:0', '-map', '0:a:0?', '-t', String(PREVIEW_SECONDS), '-vf', fit(1280),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4',
  ],
};

export const PREVIEW_MIME: Readonly<Record<MediaPreviewKind, string>> = { image: 'image/png', audio: 'audio/wav', video: 'video/mp4' };
export const PREVIEW_EXTENSION: Readonly<Record<MediaPreviewKind, string>> = { image: 'png', audio: 'wav', video: 'mp4' };

/** The whole ffmpeg command line (after the program) for one preview. */
export function ffmpegArgs(kind: MediaPreviewKind, source: InputSource): string[] {
  return [...inputArgs(source), ...OUTPUT[kind], 'pipe:1'];
}
