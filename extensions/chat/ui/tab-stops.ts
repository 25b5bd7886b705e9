/**
 * What Tab can reach inside an element. A media element's controls, a frame's content and a
 * shadow host's tree are reached through the element itself, so taking it out takes them out.
 */
const TAB_STOPS = [
  'a[href]', 'area[href]', 'button', 'input', 'select', 'textarea', 'iframe', 'embed', 'object',
  'audio[controls]', 'video[controls]', 'summary', '[contenteditable]:not([contenteditable="false"])', '[tabindex]',
].join(',');

/**
 * Takes the tab stops inside `root` out of the Tab order and gives them back, for content this
 * extension did not write (another extension's view in the conversation): the conversation is one
 * Tab stop, and only the row walked to has its controls in the Tab order. The content may change
 * at any time (a transfer's buttons come and go), so new stops are taken out as they appear.
 * Clicks still reach every control, and focusing one (by click) is how the row becomes the one
 * walked to.
 */
export class TabStops {
  /** Each stop taken out, with the `tabindex` it had (null: none). */
  private readonly taken = new Map<Element, string | null>();
  private readonly observer = new MutationObserver(() => {
    this.takeOut();
    // The records of its own tabindex writes: nothing new to take out.
    this.observer.takeRecords();
  });
  private out = false;

  constructor(private readonly root: HTMLElement) {}

  /** In the Tab order (the row is the one walked to) or out of it. */
  set(inTabOrder: boolean): void {
    if (inTabOrder === !this.out) return;
    this.out = !inTabOrder;
    if (this.out) {
      this.takeOut();
      this.observer.observe(this.root, { subtree: true, childList: true, attributes: true, attributeFilter: ['tabindex', 'href', 'controls', 'contenteditable'] });
    } else {
      this.observer.disconnect();
      this.giveBack();
    }
  }

  dispose(): void {
    this.observer.disconnect();
    this.taken.clear();
  }

  private takeOut(): void {
    for (const element of this.root.querySelectorAll(TAB_STOPS)) this.takeOutOne(element);
    // An open shadow tree is reached through its host.
    for (const element of this.root.querySelectorAll('*')) if (element.shadowRoot) this.takeOutOne(element);
    for (const element of this.taken.keys()) if (!element.isConnected) this.taken.delete(element);
  }

  private takeOutOne(element: Element): void {
    const tabindex = element.getAttribute('tabindex');
    if (tabindex === '-1' && this.taken.has(element)) return;
    // Already out of the Tab order by its own choice: nothing to give back.
    if (tabindex !== null && Number(tabindex) < 0) return;
    this.taken.set(element, tabindex);
    element.setAttribute('tabindex', '-1');
  }

  private giveBack(): void {
    for (const [element, tabindex] of this.taken) {
      if (element.getAttribute('tabindex') !== '-1') continue;
      if (tabindex === null) element.removeAttribute('tabindex');
      else element.setAttribute('tabindex', tabindex);
    }
    this.taken.clear();
  }
}
