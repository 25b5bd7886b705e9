import { LinkifyIt } from 'linkify-it';

/** A piece of a message body: plain text, or a link the page builds as an `<a>` element. */
export type BodyPart = { readonly text: string; readonly href?: undefined } | { readonly text: string; readonly href: string };

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const linkify = new LinkifyIt({ fuzzyEmail: true, fuzzyLink: true, maxLength: 2000 }).add('ftp:', null).add('//', null);

/**
 * Split untrusted text into text and links. Only http, https and mailto links are made (the URL
 * is parsed again, so `javascript:` and friends never become an href); the caller renders the
 * parts as text nodes and `<a rel="noopener noreferrer">`, never as HTML.
 */
export function bodyParts(text: string): BodyPart[] {
  const matches = text.length > 0 ? linkify.match(text) : null;
  if (!matches) return [{ text }];
  const parts: BodyPart[] = [];
  let at = 0;
  for (const match of matches) {
    const href = safeHref(match.url);
    if (!href) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: match.raw, href });
    at = match.lastIndex;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
