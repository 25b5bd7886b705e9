import type { ChatMessageJson } from './chat-api';

/** The tick shown beside one of my messages, and what it means. */
export function deliveryIcon(state: ChatMessageJson['state']): { icon: string; label: string } {
  switch (state) {
    case 'queued':
      return { icon: 'schedule', label: 'Waiting: will be sent when your friend is online' };
    case 'sent':
      return { icon: 'check', label: 'Sent' };
    case 'delivered':
      return { icon: 'done_all', label: "Delivered: stored on your friend's device" };
    case 'read':
      return { icon: 'done_all', label: 'Read' };
    case 'refused':
      return { icon: 'error', label: "Not delivered: your friend's Kith refused it (chat may be turned off there)" };
    case 'failed':
      return { icon: 'error', label: 'Not delivered' };
    default:
      return { icon: '', label: '' };
  }
}
