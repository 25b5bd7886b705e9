import { io, type Socket } from 'socket.io-client';
import type { E2ePeer } from './e2e-peer.js';

/** What a page sees: the host's socket.io stream, with the launch secret, recording every event. */
export class PageSocket {
  readonly events: { name: string; payload: any }[] = [];
  private constructor(readonly socket: Socket) {
    socket.onAny((name: string, payload: unknown) => this.events.push({ name, payload }));
  }

  static async open(peer: E2ePeer): Promise<PageSocket> {
    const socket = io(peer.host.url, { path: '/api/ws', auth: { secret: peer.host.host.launchSecret }, extraHeaders: { 'x-kith-secret': peer.host.host.launchSecret }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return new PageSocket(socket);
  }

  /** The first recorded event named `name` whose payload passes `match`. */
  find(name: string, match: (payload: any) => boolean = () => true): any {
    return this.events.find((e) => e.name === name && match(e.payload))?.payload;
  }

  close(): void {
    this.socket.close();
  }
}
