/**
 * What a hostile peer (or a careless upload) can put in a file's name and type, made harmless:
 * names lose path separators, control and bidi characters and leading dots; a type that could
 * make a page run script is never served as itself.
 */
import { isMime, MAX_NAME_CHARS } from './files-kinds.js';

// C0/C1 controls, DEL, bidi overrides and isolates, zero-width and line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const SEPARATORS = /[\\/:*?"<>|]/g;
// A surrogate without its partner (a hostile name, or one cut in two): no character at all.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with every lone surrogate replaced by U+FFFD: what encodeURIComponent and UTF-8 accept. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** A display and download name: no folders, no controls, no `..`, at most 255 characters. */
export function sanitizeName(raw: string): string {
  let name = wellFormed(raw).normalize('NFC').replace(UNSAFE, '').replace(SEPARATORS, '_').trim();
  name = name.replace(/^\.+/, '').replace(/\.+$/, '');
  if (name.length > MAX_NAME_CHARS) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    // Cut between characters, never inside a surrogate pair (half an emoji broke every serving of it).
    name = name.slice(0, MAX_NAME_CHARS - ext.length).replace(/[\ud800-\udbff]$/, '') + ext;
  }
  return name.length > 0 ? name : 'file';
}

/** A lowercase `type/subtype`, or `application/octet-stream` when it is absent or malformed. */
export function sanitizeMime(raw: unknown): string {
  if (typeof raw !== 'string') return 'application/octet-stream';
  const type = raw.split(';')[0]!.trim().toLowerCase();
  return isMime(type) ? type : 'application/octet-stream';
}

/** Types a browser plays or shows inline without running anything. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|text\/plain|application\/pdf)$/;

/**
 * Headers for serving a received file: inline only for passive media; anything else (HTML, SVG,
 * XML, scripts, unknown) goes out as an opaque download, so it can never run in the app's origin.
 * (The gateway keeps `X-Content-Type-Options` and the CSP to itself; see the README.)
 */
export function servingHeaders(name: string, mime: string): { contentType: string; disposition: string } {
  const inline = INLINE.test(mime);
  // Names saved before the cut above was fixed may hold half a pair; serving them must not throw.
  name = wellFormed(name);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const disposition = `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
  return { contentType: inline ? (mime === 'text/plain' ? 'text/plain; charset=utf-8' : mime) : 'application/octet-stream', disposition };
}
