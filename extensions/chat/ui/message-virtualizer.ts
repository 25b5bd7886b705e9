import {
  Virtualizer, elementScroll, measureElement, observeElementOffset, observeElementRect, type VirtualItem,
} from '@tanstack/virtual-core';

/** Rows drawn beyond the visible ones on each side, so a quick scroll shows no gap. */
const OVERSCAN = 8;
/** Within this many pixels of the end the list counts as "at the latest message". */
export const AT_END_PX = 80;

/**
 * A chat-style virtual list over @tanstack/virtual-core: rows have their measured height (long
 * and multi-line messages in full), only the visible rows exist in the DOM, it is anchored to the
 * end (older history prepended above keeps the message in view still; a new message follows only
 * when the reader is at the latest one).
 */
export class MessageVirtualizer {
  readonly core: Virtualizer<HTMLElement, HTMLElement>;
  private readonly unmount: () => void;
  /** Row elements already handed to the virtualizer; its ResizeObserver follows them from then on. */
  private readonly observed = new WeakSet<HTMLElement>();

  constructor(
    scroller: HTMLElement,
    private readonly keyAt: (index: number) => string,
    private readonly estimateAt: (index: number) => number,
    onChange: () => void,
  ) {
    this.core = new Virtualizer<HTMLElement, HTMLElement>(this.options(0, onChange, scroller));
    this.unmount = this.core._didMount();
    this.core._willUpdate();
  }

  private options(count: number, onChange: () => void, scroller: HTMLElement) {
    return {
      count,
      getScrollElement: () => scroller,
      estimateSize: (index: number) => this.estimateAt(index),
      getItemKey: (index: number) => this.keyAt(index),
      overscan: OVERSCAN,
      anchorTo: 'end' as const,
      followOnAppend: true,
      scrollEndThreshold: AT_END_PX,
      observeElementRect,
      observeElementOffset,
      scrollToFn: elementScroll,
      measureElement,
      onChange: () => onChange(),
    };
  }

  /** The row count changed (or rows were replaced): keys and estimates are read again. */
  setCount(count: number): void {
    const { onChange, getScrollElement } = this.core.options;
    this.core.setOptions(this.options(count, () => onChange(this.core, false), getScrollElement()!));
    this.core._willUpdate();
  }

  /** Call after each render: measures the rows new in the DOM (one layout read per new row, not per frame). */
  measure(rows: Iterable<HTMLElement>): void {
    this.core._willUpdate();
    for (const row of rows) {
      if (this.observed.has(row)) continue;
      this.observed.add(row);
      this.core.measureElement(row);
    }
  }

  items(): VirtualItem[] {
    return this.core.getVirtualItems();
  }

  totalSize(): number {
    return this.core.getTotalSize();
  }

  atEnd(): boolean {
    return this.core.isAtEnd(AT_END_PX);
  }

  scrollToEnd(smooth = false): void {
    this.core.scrollToEnd({ behavior: smooth ? 'smooth' : 'auto' });
  }

  scrollToIndex(index: number): void {
    this.core.scrollToIndex(index, { align: 'center' });
  }

  dispose(): void {
    this.unmount();
  }
}
