import { signal } from '@angular/core';
import type { TimelineRow } from './timeline';

/** What the keyboard walk needs from the conversation. */
export interface MessageFocusList {
  readonly scroller: () => HTMLElement | undefined;
  readonly rows: () => readonly TimelineRow[];
  /** Bring the row at `index` into the rendered range (the list is virtual). */
  readonly scrollToIndex: (index: number) => void;
  /** Load the page before the first loaded message; resolves false when there is none. */
  readonly loadOlder: () => Promise<boolean>;
}

/** The `data-id` of a row the walk stops at (a message, or another extension's entry); null for separators. */
export function focusIdOf(row: TimelineRow | undefined): string | null {
  if (row?.kind === 'message') return row.message.id;
  if (row?.kind === 'entry') return row.key;
  return null;
}

/** How many frames to wait for a row scrolled to to be rendered before giving up. */
const RENDER_FRAMES = 10;

/**
 * The conversation is one Tab stop however long it is (a roving focus, as in Slack or Element):
 * the list itself takes Tab; Arrow Up and Down walk the messages (and other extensions' entries
 * among them); only the message walked to has its controls (quote, links, "…", Retry) in the Tab
 * order; Escape goes back to the list.
 */
export class MessageFocus {
  /** The message whose controls are in the Tab order, or null (none: Tab leaves the list). */
  readonly active = signal<string | null>(null);

  constructor(private readonly list: MessageFocusList) {}

  /** A key pressed in the list (on the list itself, a message or one of its controls). */
  onKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const scroller = this.list.scroller();
    const target = event.target as HTMLElement | null;
    if (!scroller || !target) return;
    const onRow = target.classList.contains('row');
    if (event.key === 'Escape' && target !== scroller) {
      event.preventDefault();
      scroller.focus();
      return;
    }
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    // In a control other than the row (a link, a button) the arrows keep their own meaning.
    if (target !== scroller && !onRow) return;
    event.preventDefault();
    const from = onRow ? target.dataset['id'] ?? null : this.lastVisible(scroller);
    void this.move(from, event.key === 'ArrowUp' ? -1 : 1, onRow);
  }

  /** A message took focus (by click or walk): its controls join the Tab order. Returns whether that changed it. */
  onFocusIn(event: FocusEvent): boolean {
    const row = (event.target as HTMLElement | null)?.closest<HTMLElement>('.row');
    const id = row?.dataset['id'];
    if (!id || id === this.active()) return false;
    this.active.set(id);
    return true;
  }

  /**
   * Focus left an element of the list. When that element was removed (its row scrolled out of the
   * virtual list, or was deleted), focus would fall to the page, where the arrows walk nothing:
   * the list takes it, where it was.
   */
  onFocusOut(event: FocusEvent): void {
    const left = event.target;
    if (event.relatedTarget !== null || !(left instanceof HTMLElement)) return;
    queueMicrotask(() => {
      if (left.isConnected || (document.activeElement !== null && document.activeElement !== document.body)) return;
      const scroller = this.list.scroller();
      if (scroller?.isConnected) scroller.focus({ preventScroll: true });
    });
  }

  /** Whether a control of message `id` is in the Tab order. */
  tabIndexFor(id: string): number {
    return this.active() === id ? 0 : -1;
  }

  /**
   * Walk `step` messages from `from` (a row was focused) or to `from` itself (the list was: the
   * walk starts at the lowest message in view). Past the first loaded message, older ones load.
   */
  private async move(from: string | null, step: -1 | 1, fromRow: boolean): Promise<void> {
    let index = this.indexOf(from);
    if (index < 0) index = this.lastMessageIndex();
    else if (fromRow) {
      let next = this.neighbour(index, step);
      if (next < 0 && step < 0 && (await this.list.loadOlder())) next = this.neighbour(this.indexOf(from), step);
      if (next < 0) return;
      index = next;
    }
    const id = focusIdOf(this.list.rows()[index]);
    if (id !== null) await this.focusRow(id, index);
  }

  /** Focus the row (its focusin makes it the one walked to), rendering it first if it is scrolled out. */
  private async focusRow(id: string, index: number): Promise<void> {
    const scroller = this.list.scroller();
    for (let frame = 0; scroller && frame < RENDER_FRAMES; frame++) {
      const element = scroller.querySelector<HTMLElement>(`.row[data-id="${CSS.escape(id)}"]`);
      if (element) {
        element.focus();
        return;
      }
      if (frame === 0) {
        this.active.set(id);
        this.list.scrollToIndex(index);
      }
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  /** The id of the lowest message at least partly in view, or null. */
  private lastVisible(scroller: HTMLElement): string | null {
    const view = scroller.getBoundingClientRect();
    let found: string | null = null;
    let lowest = -Infinity;
    for (const row of scroller.querySelectorAll<HTMLElement>('.row[data-id]')) {
      const box = row.getBoundingClientRect();
      if (box.top < view.bottom && box.top > lowest && box.bottom > view.top) {
        lowest = box.top;
        found = row.dataset['id'] ?? null;
      }
    }
    return found;
  }

  private indexOf(id: string | null): number {
    if (id === null) return -1;
    return this.list.rows().findIndex((r) => focusIdOf(r) === id);
  }

  private lastMessageIndex(): number {
    const rows = this.list.rows();
    for (let i = rows.length - 1; i >= 0; i--) if (focusIdOf(rows[i]) !== null) return i;
    return -1;
  }

  /** The index of the next message or entry row from `index` in direction `step`, or -1. */
  private neighbour(index: number, step: -1 | 1): number {
    const rows = this.list.rows();
    for (let i = index + step; i >= 0 && i < rows.length; i += step) if (focusIdOf(rows[i]) !== null) return i;
    return -1;
  }
}
