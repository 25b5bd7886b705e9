import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { PageChannelClient, type PageChannel } from '@kith/sdk';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import type { ExtensionScope } from '../../../host/src/core/area.js';
import { PageChannelHub } from '../../../host/src/core/page-channel-hub.js';

const TRIALS = 5;
const ROUND_TRIPS = 400;
const RTT_BYTES = 1024;
const STREAM_MESSAGES = 4000;
const FRAME_BYTES = 16 * 1024;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]!;
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** An extension scope with nothing but what the hub uses. */
function benchScope(): ExtensionScope {
  const quiet = () => undefined;
  return {
    extension: { id: 'bench', version: '1.0.0', builtin: false, root: '/' },
    manifest: { id: 'bench', displayName: 'bench', hostVersion: '^1.0.0', main: 'x.js' },
    persona: {} as ExtensionScope['persona'],
    log: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    track: (resource) => resource,
    fault: (error) => {
      throw error;
    },
  } as ExtensionScope;
}

/** One socket.io server on loopback (the page socket's path), and a client connected to it. */
async function socketPair(): Promise<{ io: SocketServer; client: Socket; close(): Promise<void> }> {
  const server = http.createServer();
  const ioServer = new SocketServer(server, { path: '/api/ws', serveClient: false, maxHttpBufferSize: 2 * 1024 * 1024 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = io(`http://127.0.0.1:${port}`, { path: '/api/ws', transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return {
    io: ioServer,
    client,
    async close() {
      client.close();
      await new Promise<void>((resolve) => ioServer.close(() => resolve()));
    },
  };
}

/** What one trial measures, page channel or bare socket.io alike. */
interface Subject {
  roundTrip(bytes: Uint8Array): Promise<void>;
  /** Send `count` frames one way as fast as the far end takes them; resolves when all arrived. */
  stream(direction: 'toHost' | 'toPage', count: number, frame: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function pageChannelSubject(): Promise<Subject> {
  const pair = await socketPair();
  const hub = PageChannelHub.of(pair.io);
  let hostEnd!: PageChannel;
  let hostReceived = 0;
  const opened = new Promise<void>((resolve) => {
    hub.forScope(benchScope()).register('bench', (channel) => {
      hostEnd = channel;
      channel.onDidReceive((message) => {
        hostReceived++;
        if (echoing) channel.send(message);
      });
      resolve();
    });
  });
  let echoing = true;
  const page = await new PageChannelClient(pair.client).open('bench', 'bench');
  await opened;
  let pageReceived = 0;
  let onPage: (() => void) | undefined;
  page.onDidReceive(() => {
    pageReceived++;
    onPage?.();
  });
  const send = async (channel: PageChannel, frame: Uint8Array, count: number) => {
    for (let i = 0; i < count; i++) while (!channel.send(frame)) await channel.whenWritable();
  };
  return {
    roundTrip(bytes) {
      echoing = true;
      return new Promise<void>((resolve) => {
        onPage = resolve;
        page.send(bytes);
      });
    },
    async stream(direction, count, frame) {
      echoing = false;
      onPage = undefined;
      const target = direction === 'toHost' ? () => hostReceived : () => pageReceived;
      const goal = target() + count;
      await send(direction === 'toHost' ? page : hostEnd, frame, count);
      while (target() < goal) await new Promise((resolve) => setImmediate(resolve));
    },
    close: () => pair.close(),
  };
}

/** The baseline: a bare socket.io echo server and client, no queues, no credit, no checks. */
async function bareSubject(): Promise<Subject> {
  const pair = await socketPair();
  let serverSocket!: import('socket.io').Socket;
  let hostReceived = 0;
  let echoing = true;
  await new Promise<void>((resolve) => {
    for (const socket of pair.io.of('/').sockets.values()) serverSocket = socket;
    if (serverSocket) resolve();
    pair.io.on('connection', (socket) => {
      serverSocket = socket;
      resolve();
    });
  });
  serverSocket.on('m', (message: Uint8Array) => {
    hostReceived++;
    if (echoing) serverSocket.emit('m', message);
  });
  let pageReceived = 0;
  let onPage: (() => void) | undefined;
  pair.client.on('m', () => {
    pageReceived++;
    onPage?.();
  });
  return {
    roundTrip(bytes) {
      echoing = true;
      return new Promise<void>((resolve) => {
        onPage = resolve;
        pair.client.emit('m', bytes);
      });
    },
    async stream(direction, count, frame) {
      echoing = false;
      onPage = undefined;
      const target = direction === 'toHost' ? () => hostReceived : () => pageReceived;
      const goal = target() + count;
      for (let i = 0; i < count; i++) (direction === 'toHost' ? pair.client : serverSocket).emit('m', frame);
      while (target() < goal) await new Promise((resolve) => setImmediate(resolve));
    },
    close: () => pair.close(),
  };
}

interface Trial {
  readonly rtts: number[];
  readonly toHost: number;
  readonly toPage: number;
}

async function trial(subject: Subject): Promise<Trial> {
  const bytes = new Uint8Array(RTT_BYTES).fill(7);
  const frame = new Uint8Array(FRAME_BYTES).fill(9);
  for (let i = 0; i < 50; i++) await subject.roundTrip(bytes); // warm-up
  const rtts: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const start = now();
    await subject.roundTrip(bytes);
    rtts.push(now() - start);
  }
  let start = now();
  await subject.stream('toHost', STREAM_MESSAGES, frame);
  const toHost = STREAM_MESSAGES / ((now() - start) / 1000);
  start = now();
  await subject.stream('toPage', STREAM_MESSAGES, frame);
  const toPage = STREAM_MESSAGES / ((now() - start) / 1000);
  return { rtts, toHost, toPage };
}

/**
 * Page channels (hub + both endpoints over socket.io on loopback, pause policy) against a bare
 * socket.io echo server and client in the same process, trials interleaved, medians reported:
 * round trip of a 1 KiB binary message, and sustained 16 KiB binary messages a second each way.
 */
const suite: BenchSuite = {
  name: 'page-channels',
  async run(): Promise<BenchRow[]> {
    const channel: Trial[] = [];
    const bare: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      for (const [make, into] of [[pageChannelSubject, channel], [bareSubject, bare]] as const) {
        const subject = await make();
        try {
          into.push(await trial(subject));
        } finally {
          await subject.close();
        }
      }
    }
    const rtt = (trials: Trial[], pick: (values: number[]) => number) => median(trials.map((t) => pick(t.rtts)));
    const rate = (trials: Trial[], key: 'toHost' | 'toPage') => median(trials.map((t) => t[key]));
    const kb = FRAME_BYTES / 1024;
    return [
      { area: 'page channel', metric: `round trip, ${RTT_BYTES} B binary, median`, value: rtt(channel, median), unit: 'ms', baseline: { name: 'bare socket.io echo', value: rtt(bare, median), unit: 'ms' } },
      { area: 'page channel', metric: `round trip, ${RTT_BYTES} B binary, p95`, value: rtt(channel, p95), unit: 'ms', baseline: { name: 'bare socket.io echo', value: rtt(bare, p95), unit: 'ms' } },
      { area: 'page channel', metric: `page → host, ${kb} KiB binary, sustained`, value: rate(channel, 'toHost'), unit: 'msg/s', baseline: { name: 'bare socket.io', value: rate(bare, 'toHost'), unit: 'msg/s' }, goal: '≥ 100 msg/s (media frames)' },
      { area: 'page channel', metric: `host → page, ${kb} KiB binary, sustained`, value: rate(channel, 'toPage'), unit: 'msg/s', baseline: { name: 'bare socket.io', value: rate(bare, 'toPage'), unit: 'msg/s' }, goal: '≥ 100 msg/s (media frames)' },
    ];
  },
};
export default suite;
