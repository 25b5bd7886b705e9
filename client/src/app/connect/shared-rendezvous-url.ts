/**
 * The Connect page's one rendezvous URL, offered to the extension views on that page without an
 * import: `<html data-kith-rendezvous-url="…">` holds it while the page is open, and the window
 * event `kith:rendezvous-url` says it changed. A view that finds the attribute hides its own URL
 * field and uses this one (documented in docs/extensions.md, slot `home.connect`).
 */
export const RENDEZVOUS_URL_ATTRIBUTE = 'data-kith-rendezvous-url';
export const RENDEZVOUS_URL_EVENT = 'kith:rendezvous-url';

export function shareRendezvousUrl(url: string): void {
  if (document.documentElement.getAttribute(RENDEZVOUS_URL_ATTRIBUTE) === url) return;
  document.documentElement.setAttribute(RENDEZVOUS_URL_ATTRIBUTE, url);
  // Also where pairing remembers its last URL, so it starts from the same one elsewhere.
  try {
    if (url) localStorage.setItem('kith.rendezvousUrl', url);
  } catch {
    // private mode
  }
  window.dispatchEvent(new CustomEvent(RENDEZVOUS_URL_EVENT, { detail: url }));
}

export function unshareRendezvousUrl(): void {
  document.documentElement.removeAttribute(RENDEZVOUS_URL_ATTRIBUTE);
  window.dispatchEvent(new CustomEvent(RENDEZVOUS_URL_EVENT, { detail: null }));
}
