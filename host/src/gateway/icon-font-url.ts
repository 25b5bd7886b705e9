import { createHmac, timingSafeEqual } from 'node:crypto';

/** The query parameter that carries the icon font's capability. */
export const FONT_TOKEN_PARAM = 'kith_font';
/** The whole icon font, which third-party views' icons are drawn from. */
const FULL_FONT_PATH = '/icons/material-symbols-full.woff2';
const DOMAIN = 'kith:icon-font:v1';

/**
 * The icon font for sandboxed extension frames. A frame is another origin (opaque, or a
 * `*.localhost` one), so it loads the font with CORS, and the answer must allow its origin. Allowed
 * for any origin, it would let every web site read a file of Kith's and so learn that Kith runs
 * here (and which build): the font answers a cross-site request only with this launch's capability,
 * which only Kith's own frame documents carry. The page itself, on its own origin, needs none.
 */
export interface IconFontUrl {
  /** The font's URL for a frame document: its path and this launch's capability. */
  readonly url: string;
  /** True when the request's query (without its `?`) is exactly this launch's capability. */
  opens(query: string): boolean;
}

export function createIconFontUrl(secret: string): IconFontUrl {
  const token = createHmac('sha256', secret).update(DOMAIN).digest().subarray(0, 18);
  const wanted = Buffer.from(`${FONT_TOKEN_PARAM}=${token.toString('base64url')}`, 'utf8');
  return {
    url: `${FULL_FONT_PATH}?${wanted.toString('utf8')}`,
    opens(query) {
      const given = Buffer.from(query, 'utf8');
      return given.length === wanted.length && timingSafeEqual(given, wanted);
    },
  };
}
