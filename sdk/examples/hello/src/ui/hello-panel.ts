import type { Disposable, KithViewProperties, PageChannel, PageChannelMessage, UiHost } from '@kith/sdk';
import { asRecorderReply } from '../recorder-channel.js';
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
export class HelloPanel extends HTMLElement implements KithViewProperties<typeof helloUi> {
  kithHost: UiHost<typeof helloUi> | undefined;
  kithPeer: string | null = null;
  #subscriptions: Disposable[] = [];

  connectedCallback(): void {
    const host = this.kithHost;
    const save = document.createElement('button');
    save.textContent = 'Save the greeting as a note';
    save.addEventListener('click', () => void this.#saveNote());
    this.replaceChildren(this.#line('title', 'Hello'), this.#line('greeting', '…'), this.#line('beat', ''), save, this.#line('note', ''));
    if (!host) return;
    this.#subscriptions.push(
      host.on('heartbeat', (payload) => this.#set('beat', `heartbeat ${payload.beat}`)),
      host.on('wave', () => void this.#refresh(host)),
    );
    void this.#refresh(host);
  }

  disconnectedCallback(): void {
    for (const s of this.#subscriptions.splice(0)) s.dispose();
    this.#recorder?.close();
    this.#recorder = undefined;
  }

  #recorder: PageChannel | undefined;

  /**
   * Record the greeting's text into a new note over the `recorder` page channel (a real recorder
   * would send microphone chunks the same way), then show where the note can be fetched.
   */
  async #saveNote(): Promise<void> {
    const host = this.kithHost;
    if (!host) return;
    try {
      if (!this.#recorder?.isOpen) {
        const channel = (this.#recorder = await host.openChannel('recorder'));
        channel.onDidReceive((message) => {
          const reply = asRecorderReply(message);
          if ('saved' in reply) this.#set('note', `saved note ${reply.saved} (${reply.size} bytes): /api/hello/notes/${reply.saved}`);
          if ('error' in reply) this.#set('note', `the recorder said: ${reply.error}`);
        });
      }
      const channel = this.#recorder;
      const text = this.querySelector('[data-part="greeting"]')?.textContent ?? '';
      const messages: PageChannelMessage[] = [{ start: true }, new TextEncoder().encode(text), { stop: true }];
      for (const message of messages) {
        while (!channel.send(message)) await channel.whenWritable(); // policy pause: wait, lose nothing
      }
    } catch (error) {
      this.#set('note', `Could not save the note: ${(error as Error).message}`);
    }
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
