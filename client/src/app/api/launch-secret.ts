/**
 * The per-launch API secret the host injects into index.html (`<meta name="kith-secret">`). It is
 * the page's proof that it is Kith's own page; it changes every time the host starts.
 */
export function readLaunchSecret(doc: Document = document): string {
  return doc.querySelector<HTMLMetaElement>('meta[name="kith-secret"]')?.content ?? '';
}

/** Header every `/api` request carries. */
export const SECRET_HEADER = 'x-kith-secret';
