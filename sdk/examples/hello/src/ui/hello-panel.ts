import type { Disposable, UiHost } from '@kith/sdk';
import type { helloUi } from '../hello-ui-events.js';

interface Greeting {
  readonly greeting: string;
  readonly waves: number;
  readonly beats: number;
}

/**
 * `<hello-panel>`: the view this extension contributes. The shell sets `kithHost` before it
 * inserts the element; everything the panel does goes through that host (API calls with the
 * launch secret, the extension's own UI events).
 */
export class HelloPanel extends HTMLElement {
  kithHost: UiHost<typeof helloUi> | undefined;
  kithPeer: string | null = null;
  #subscriptions: Disposable[] = [];

  connectedCallback(): void {
    const host = this.kithHost;
    this.replaceChildren(this.#line('title', 'Hello'), this.#line('greeting', '…'), this.#line('beat', ''));
    if (!host) return;
    this.#subscriptions.push(
      host.on('heartbeat', (payload) => this.#set('beat', `heartbeat ${payload.beat}`)),
      host.on('wave', () => void this.#refresh(host)),
    );
    void this.#refresh(host);
  }

  disconnectedCallback(): void {
    for (const s of this.#subscriptions.splice(0)) s.dispose();
  }

  async #refresh(host: UiHost<typeof helloUi>): Promise<void> {
    try {
      const g = await host.request<Greeting>('GET', '/hello/greeting');
      this.#set('greeting', `${g.greeting} (${g.waves} waves received)`);
    } catch (error) {
      this.#set('greeting', `Could not load the greeting: ${(error as Error).message}`);
    }
  }

  #line(part: string, text: string): HTMLElement {
    const el = document.createElement(part === 'title' ? 'h2' : 'p');
    el.dataset.part = part;
    el.textContent = text;
    return el;
  }

  #set(part: string, text: string): void {
    const el = this.querySelector<HTMLElement>(`[data-part="${part}"]`);
    if (el) el.textContent = text;
  }
}

if (!customElements.get('hello-panel')) customElements.define('hello-panel', HelloPanel);
