import { Injectable } from '@angular/core';
import { isWindowMessage } from './frame-protocol';

/**
 * Takes each sandboxed frame's port. A frame says `hello` to the shell's window with the proof its
 * document was served with, and the shell's end of a channel it made. Only a frame loaded from that
 * one-time URL knows the proof (see host/src/gateway/ui-frames.ts), so whoever placed the frame
 * (the shell, or a third-party frame hosting a nested view) cannot pose as it; and since the port
 * comes with the proof, nothing is ever sent back to a window that may by then hold another document.
 */
@Injectable({ providedIn: 'root' })
export class FrameDoorman {
  readonly #expected = new Map<string, (source: MessageEventSource, port: MessagePort) => void>();
  #listening = false;

  /** Call `arrived` with the frame's window and port once a frame shows `proof` (once; `cancel` to stop waiting). */
  expect(proof: string, arrived: (source: MessageEventSource, port: MessagePort) => void): { cancel(): void } {
    this.#listen();
    this.#expected.set(proof, arrived);
    return { cancel: () => this.#expected.delete(proof) };
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    window.addEventListener('message', (event) => {
      const port = event.ports[0];
      if (!isWindowMessage(event.data) || event.data.kithFrame !== 'hello' || !event.source || !port || event.ports.length !== 1) return;
      const proof = (event.data as { proof?: unknown }).proof;
      if (typeof proof !== 'string') return;
      const arrived = this.#expected.get(proof);
      if (!arrived) return;
      this.#expected.delete(proof);
      arrived(event.source, port);
    });
  }
}
