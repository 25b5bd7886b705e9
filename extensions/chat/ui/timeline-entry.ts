import { DestroyRef, Directive, ElementRef, computed, effect, inject, input, untracked } from '@angular/core';
import type { Disposable, SlotEntry, UiHost } from '@kith/sdk';
import type { ChatPeer } from './chat-api';
import { TIMELINE_SLOT } from './open-slots';
import { TabStops } from './tab-stops';

/**
 * Another extension's entry in the conversation (slot `chat.timeline`): its view, rendered by the
 * shell into this element with `{ peer, entry }`. A row scrolled out of the virtual list takes its
 * view with it; scrolled back, the view is made again. Its controls are in the Tab order only while
 * its row is the one walked to, as a message's are.
 */
@Directive({ selector: '[chatTimelineEntry]' })
export class TimelineEntry {
  readonly entry = input.required<SlotEntry>({ alias: 'chatTimelineEntry' });
  readonly host = input.required<UiHost>();
  readonly peer = input.required<ChatPeer>();
  readonly inTabOrder = input.required<boolean>();
  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly tabStops = new TabStops(this.element);
  private rendered: Disposable | undefined;

  constructor() {
    // Made again only for another entry, host or conversation: each re-read of the entries gives new
    // objects, and making the view again would drop its focus and restart its media.
    const key = computed(() => this.entry().key);
    effect(() => {
      key();
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.render(host, this.entry(), peer));
    });
    effect(() => this.tabStops.set(this.inTabOrder()));
    inject(DestroyRef).onDestroy(() => {
      this.tabStops.dispose();
      this.rendered?.dispose();
    });
  }

  private render(host: UiHost, entry: SlotEntry, peer: ChatPeer): void {
    this.rendered?.dispose();
    this.rendered = undefined;
    try {
      this.rendered = host.renderSlotEntry(this.element, TIMELINE_SLOT, entry, { peer });
    } catch {
      // The contributor was turned off between the list and this row: the next list drops it.
    }
  }
}
