import { io as connectSocket, type Socket } from 'socket.io-client';
import { befriend, connect } from '@kith/sdk/testing';
import { startInProcessHost, type InProcessHost } from './in-process-host.js';

/**
 * One in-process host with the built-ins and hello installed, a persona unlocked, a page socket
 * open: for the bus benchmark, which reaches into the host's bus engine. Tests of the example use
 * `@kith/sdk/testing` (sdk/examples/hello/test).
 */
export interface WavePeer {
  readonly name: string;
  readonly t: InProcessHost;
  readonly key: string;
  /** Every socket.io event the page received: [name, payload]. */
  readonly events: Array<[string, any]>;
  call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  ok(method: string, route: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startWavePeer(name: string, helloFolder: string): Promise<WavePeer> {
  const t = await startInProcessHost({ name, extensions: [helloFolder], builtin: true });
  const persona = await t.createPersona(name);
  const events: Array<[string, any]> = [];
  const socket: Socket = connectSocket(t.url, { path: '/api/ws', extraHeaders: { 'x-kith-secret': t.host.launchSecret }, transports: ['websocket'] });
  socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  return {
    name,
    t,
    key: persona.key,
    events,
    call: (method, route, body) => t.call(method, route, body),
    ok: (method, route, body) => t.request(method, route, body),
    async close() {
      socket.close();
      await t.close();
    },
  };
}

/** Pair two peers by code through the rendezvous, then open a session (the kit's steps). */
export async function pairAndConnect(a: WavePeer, b: WavePeer, rendezvousUrl: string): Promise<void> {
  await befriend(a.t, b.t, rendezvousUrl);
  await connect(a.t, b.t, rendezvousUrl);
}
