/**
 * Real-process fixtures for the pairing attack tests: a real rendezvous server on loopback, the
 * operator's view of it (a recording proxy the honest hosts talk through: every request path and
 * body, which is all an operator learns besides addresses and timing), and an attacker's raw HTTP
 * client on its own loopback address (127.0.0.2), so it is a different source to the server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';

export function startRendezvous(): Promise<RunningRendezvous> {
  return startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
}

export interface OperatorView {
  readonly url: string;
  /** Every request the honest hosts sent: method, path and body text. */
  readonly requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

/** A proxy in front of `target` that records what passes, as the operator of `target` could. */
export async function startOperatorView(target: string): Promise<OperatorView> {
  const requests: OperatorView['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8') });
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = http.request(`${target}${req.url}`, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Raw `/r/*` calls from 127.0.0.2: the attacker needs nothing from Kith but the public room. */
export class AttackerClient {
  /** `localAddress`: the source address the rendezvous counts this client's quotas and rate against. */
  constructor(
    private readonly url: string,
    private readonly localAddress = '127.0.0.2',
  ) {}

  async publish(room: string, blob: string, owner: string): Promise<number> {
    const answer = await this.request('POST', '/r/publish', { room, blob, owner });
    if (answer.status !== 200 && process.env.KITH_TEST_DEBUG) console.log('publish refused', answer.status, JSON.stringify(answer.body));
    return answer.status;
  }

  async fetch(room: string): Promise<string[]> {
    const answer = await this.request('GET', `/r/fetch/${room}`);
    return (answer.body?.entries ?? []).map((e: { blob: string }) => e.blob);
  }

  private request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(`${this.url}${path}`, {
        method,
        localAddress: this.localAddress,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: undefined });
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
