import { io as connect, type Socket } from 'socket.io-client';
import { startTestHost, type TestHost } from '@kith/sdk/testing';

/** One host with the built-ins and hello installed, a persona unlocked, a page socket open. */
export interface WavePeer {
  readonly name: string;
  readonly t: TestHost;
  readonly key: string;
  /** Every socket.io event the page received: [name, payload]. */
  readonly events: Array<[string, any]>;
  call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  ok(method: string, route: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startWavePeer(name: string, helloFolder: string): Promise<WavePeer> {
  const t = await startTestHost({ extensions: [helloFolder], builtin: true });
  const persona = await t.createPersona(name);
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await t.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const ok = async (method: string, route: string, body?: unknown) => {
    const answer = await call(method, route, body);
    if (answer.status >= 300) throw new Error(`${name}: ${method} ${route} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const personas = await ok('GET', '/personas');
  const list: any[] = Array.isArray(personas) ? personas : personas.personas;
  const key = list.find((p) => p.slug === persona.slug).master_pubkey as string;
  const events: Array<[string, any]> = [];
  const socket: Socket = connect(t.url, { path: '/api/ws', auth: { secret: t.host.launchSecret }, transports: ['websocket'] });
  socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  return {
    name,
    t,
    key,
    events,
    call,
    ok,
    async close() {
      socket.close();
      await t.close();
    },
  };
}

/** Poll until `probe` returns something truthy, or fail naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pair two peers by code through the rendezvous, then open a session (the UI's flow). */
export async function pairAndConnect(a: WavePeer, b: WavePeer, rendezvousUrl: string): Promise<void> {
  const { code } = await a.ok('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: b.name });
  await b.ok('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: a.name, code });
  await Promise.all([
    a.ok('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: b.name }),
    b.ok('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: a.name }),
  ]);
  const word = `hello-${Math.random().toString(36).slice(2)}`;
  for (const p of [a, b]) await p.ok('POST', '/rendezvous/join', { url: rendezvousUrl, word, mode: 'manual' });
  const request = a.ok('POST', '/connect/request', { rendezvous_url: rendezvousUrl, word, peer: b.key });
  request.catch(() => undefined);
  const inbound = await eventually('a connect request', async () => {
    const poll = await b.ok('POST', '/rendezvous/poll', { url: rendezvousUrl, word, mode: 'manual' });
    return (poll.requests as any[]).find((r) => r.from_master_pubkey === a.key);
  });
  const accept = b.ok('POST', '/connect/accept', {
    rendezvous_url: rendezvousUrl,
    word,
    nonce: inbound.nonce,
    peer: a.key,
    from_ipv4: inbound.from_ipv4 ?? null,
    from_ipv6: inbound.from_ipv6 ?? null,
    punch_at_ms: inbound.punch_at_ms,
  });
  await Promise.all([request, accept]);
  await eventually('a live session', async () => {
    const sessions = await a.ok('GET', '/sessions');
    return sessions.sessions.some((s: any) => s.peer === b.key);
  });
}
