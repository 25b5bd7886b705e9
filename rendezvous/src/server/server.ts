import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRendezvousApp } from './app.js';
import { resolveLimits, type RendezvousLimits } from './limits.js';
import type { RoomStore } from './room-store.js';

export interface RendezvousServerOptions {
  readonly store: RoomStore;
  readonly limits?: Partial<RendezvousLimits>;
  /** Bind address; default 0.0.0.0 (a rendezvous server is meant to be reachable). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly clock?: () => number;
  readonly trustProxy?: boolean | number | string;
  readonly onError?: (error: unknown) => void;
}

/** A listening rendezvous server. */
export interface RunningRendezvous {
  readonly port: number;
  /** `http://127.0.0.1:<port>` when bound to all interfaces, else `http://<host>:<port>`. */
  readonly url: string;
  readonly store: RoomStore;
  readonly limits: RendezvousLimits;
  /** Stop accepting, finish in-flight requests (bounded), close the store. */
  close(): Promise<void>;
}

/** Start the `/r/*` server. Rejects with the listen error (EADDRINUSE) untouched so callers can explain it. */
export async function startRendezvousServer(options: RendezvousServerOptions): Promise<RunningRendezvous> {
  const limits = resolveLimits(options.limits);
  const app = createRendezvousApp({ store: options.store, limits, clock: options.clock, trustProxy: options.trustProxy, onError: options.onError });
  const server = http.createServer(app);
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '0.0.0.0';
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    store: options.store,
    limits,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // In-flight requests get a moment to finish; then the rest is cut.
          setTimeout(() => {
            for (const socket of sockets) socket.destroy();
          }, 2_000).unref();
        });
        await options.store.close();
      })();
      return closing;
    },
  };
}
