import { CHANNEL_EVENTS, CHANNEL_ID } from '@kith/sdk';
import type { Realtime } from '../realtime/realtime';

const OPEN_TIMEOUT_MS = 10_000;

/**
 * A framed view's page channels, relayed between its port and the page's socket. The frame runs
 * the SDK's own channel client (credit, backpressure and all); the shell only passes frames through,
 * and only of channels this view opened, for its own extension.
 */
export class FrameChannelRelay {
  readonly #owned = new Set<string>();
  readonly #stops: (() => void)[] = [];

  constructor(
    private readonly socket: Realtime['raw'],
    private readonly extensionId: string,
    private readonly toFrame: (event: string, args: readonly unknown[]) => void,
    private readonly ackToFrame: (ack: number, timedOut: boolean, answer: unknown) => void,
  ) {
    for (const event of [CHANNEL_EVENTS.message, CHANNEL_EVENTS.credit, CHANNEL_EVENTS.close]) {
      this.#stops.push(
        socket.on(event, (id, ...rest) => {
          if (typeof id !== 'string' || !this.#owned.has(id)) return;
          if (event === CHANNEL_EVENTS.close) this.#owned.delete(id);
          this.toFrame(event, [id, ...rest]);
        }),
      );
    }
    this.#stops.push(socket.on('connect', () => this.toFrame('connect', [])));
    this.#stops.push(
      socket.on('disconnect', () => {
        this.#owned.clear();
        this.toFrame('disconnect', []);
      }),
    );
  }

  /** Something the frame's channel client emitted. */
  fromFrame(event: string, args: readonly unknown[], ack: number | null): void {
    if (event === CHANNEL_EVENTS.open && ack !== null) {
      const name = (args[0] as { name?: unknown } | undefined)?.name;
      // Always this view's extension, whatever the frame asked for.
      this.socket.emitWithAck(OPEN_TIMEOUT_MS, event, [{ extension: this.extensionId, name: typeof name === 'string' ? name.slice(0, 64) : '' }], (timedOut, answer) => {
        const id = (answer as { ok?: unknown; id?: unknown } | undefined)?.id;
        if (!timedOut && (answer as { ok?: unknown } | undefined)?.ok === true && typeof id === 'string' && CHANNEL_ID.test(id)) this.#owned.add(id);
        this.ackToFrame(ack, timedOut, answer);
      });
      return;
    }
    const id = args[0];
    if (typeof id !== 'string' || !this.#owned.has(id)) return;
    if (event === CHANNEL_EVENTS.message || event === CHANNEL_EVENTS.credit) this.socket.emit(event, ...args);
    else if (event === CHANNEL_EVENTS.close) {
      this.#owned.delete(id);
      this.socket.emit(event, id, args[1] === 'protocol-error' ? 'protocol-error' : 'closed');
    }
  }

  /** The view went away: close what it left open, stop relaying. */
  dispose(): void {
    for (const stop of this.#stops.splice(0)) stop();
    for (const id of this.#owned) this.socket.emit(CHANNEL_EVENTS.close, id, 'closed');
    this.#owned.clear();
  }
}
