/**
 * Getting the user's attention while the page is in the background: the unread count in the tab
 * title, and a desktop notification per new message. Permission is asked after the user sent a
 * message (they are using chat right now), never on load.
 */

/** `(3) Kith` for 3 unread messages, the plain title for none; an older count is replaced. */
export function titleWithUnread(title: string, unread: number): string {
  const base = title.replace(/^\(\d+\)\s+/, '');
  return unread > 0 ? `(${unread}) ${base}` : base;
}

/** True while the page is not in front of the user (another tab, minimised). */
export function pageInBackground(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

let asked = false;

/** Ask once per page load, and only if the user has not decided yet. */
export function askNotificationPermission(): void {
  if (asked || typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  asked = true;
  Notification.requestPermission().catch(() => undefined);
}

/** Show a desktop notification (when allowed) that opens the conversation when clicked. */
export function notifyNewMessage(title: string, body: string, tag: string, open: () => void): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const notification = new Notification(title, { body: body.slice(0, 140), tag });
    notification.onclick = () => {
      window.focus();
      open();
      notification.close();
    };
  } catch {
    // Some platforms only allow notifications from a service worker: the title count remains.
  }
}
