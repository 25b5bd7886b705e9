import { Injectable } from '@angular/core';
import { FRAME_MESSAGE, isWindowMessage } from './frame-protocol';

/**
 * Hands each sandboxed frame its port. A frame says `hello` to the shell's window with the proof
 * its document was served with; only a frame loaded from that one-time URL knows it (see
 * host/src/gateway/ui-frames.ts), so whoever placed the frame (the shell, or a third-party frame
 * hosting a nested view) cannot take the port meant for it.
 */
@Injectable({ providedIn: 'root' })
export class FrameDoorman {
  readonly #expected = new Map<string, (source: MessageEventSource) => void>();
  #listening = false;

  /** Call `arrived` with the frame's window once a frame shows `proof` (once; `cancel` to stop waiting). */
  expect(proof: string, arrived: (source: MessageEventSource) => void): { cancel(): void } {
    this.#listen();
    this.#expected.set(proof, arrived);
    return { cancel: () => this.#expected.delete(proof) };
  }

  /** Give `source` (a frame that proved itself) its end of the channel. */
  static handOver(source: MessageEventSource, port: MessagePort): void {
    // A sandboxed frame's origin is opaque: '*' is the only target origin that reaches it. The
    // window was identified by the proof, not by its origin.
    (source as Window).postMessage({ [FRAME_MESSAGE]: 'port' }, '*', [port]);
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    window.addEventListener('message', (event) => {
      if (!isWindowMessage(event.data) || event.data.kithFrame !== 'hello' || !event.source) return;
      const proof = (event.data as { proof?: unknown }).proof;
      if (typeof proof !== 'string') return;
      const arrived = this.#expected.get(proof);
      if (!arrived) return;
      this.#expected.delete(proof);
      arrived(event.source);
    });
  }
}
