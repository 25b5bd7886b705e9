import type { Disposable, UiHost } from '@kith/sdk';
import type { ChatPeer } from './chat-api';

/**
 * Chat's open slots (manifest `contributes.slots`): other extensions contribute views here
 * without chat knowing them. All get `{ peer }`, the open conversation (a friend key or `self`);
 * an entry of `chat.timeline` also gets `entry`, its id.
 */
export const COMPOSER_ACTIONS_SLOT = 'chat.composer-actions';
export const CONVERSATION_EXTRAS_SLOT = 'chat.conversation-extras';
/** A slot of entries: other extensions' items (a file, a call) placed among the messages by time. */
export const TIMELINE_SLOT = 'chat.timeline';

/** Renders one open slot into an element and re-renders it when the conversation changes. */
export class OpenSlotRenderer {
  private rendered: Disposable | undefined;
  private key: string | undefined;
  private container: HTMLElement | undefined;

  constructor(private readonly slot: string) {}

  show(host: UiHost, container: HTMLElement | undefined, peer: ChatPeer | null): void {
    const key = container && peer ? peer : undefined;
    if (key !== undefined && key === this.key && container === this.container && this.rendered) return;
    this.dispose();
    if (!container || !peer) return;
    try {
      this.rendered = host.renderSlot(container, this.slot, { peer });
      this.key = key;
      this.container = container;
    } catch {
      // A shell without open slots (or chat's manifest not loaded yet): nothing to show.
    }
  }

  dispose(): void {
    this.rendered?.dispose();
    this.rendered = undefined;
    this.key = undefined;
    this.container = undefined;
  }
}
