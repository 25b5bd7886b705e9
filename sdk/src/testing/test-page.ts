import { io, type Socket } from 'socket.io-client';
import { PageChannelClient } from '../page-channel-client.js';
import type { PageChannel } from '../page-channel.js';

/**
 * One more Kith page (a browser tab, as far as the host can tell): its own socket.io connection
 * with the launch secret, on which it opens page channels the way `UiHost.openChannel` does.
 */
export interface TestPage {
  /** Open `extensionId`'s page channel `name` (what the extension's view would do). */
  openChannel(extensionId: string, name: string): Promise<PageChannel>;
  /** Stop reading the socket: the host's packets pile up unread, as with a frozen tab. `resume()` reads again. */
  pause(): void;
  resume(): void;
  /** Close the page (its channels close as `page-gone` on both ends). */
  close(): void;
}

/** Connect a new page to the host at `url` (a test host closes its pages when it stops). */
export async function openTestPage(url: string, secret: string): Promise<TestPage> {
  const socket: Socket = io(url, {
    path: '/api/ws',
    transports: ['websocket'],
    extraHeaders: { origin: url, 'x-kith-secret': secret },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(new Error(`a page socket of ${url} was refused: ${error.message}`)));
  });
  const channels = new PageChannelClient(socket);
  // The websocket under socket.io: pausing it stops reading from TCP, so the host's writes back up.
  const raw = () => (socket.io.engine?.transport as unknown as { ws?: { _socket?: { pause(): void; resume(): void } } } | undefined)?.ws?._socket;
  return {
    openChannel: (extensionId, name) => channels.open(extensionId, name),
    pause: () => raw()?.pause(),
    resume: () => raw()?.resume(),
    close: () => socket.close(),
  };
}
