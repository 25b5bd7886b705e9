/**
 * A real Kith host inside a lab namespace, driven by the test over stdin/stdout (one JSON object
 * per line): `{ id, op, ... }` in, `{ id, ok, result | error }` out. HTTP calls go to the host's
 * own API inside the namespace (the test process cannot reach 127.0.0.1 of another namespace).
 *
 *   ip netns exec <ns> node --import tsx tools/netlab/lab-node.ts
 *
 * Environment: KITH_DATA, KITH_STUN, KITH_LAN_PORT as for the host; KITH_LAB_BUILTIN_DIR, a folder of
 * built-in extensions to run (default: none).
 */
import readline from 'node:readline';
import fs from 'node:fs';
import { loadConfig } from '../../host/src/config.js';
import { createLogger } from '../../host/src/log.js';
import { startHost } from '../../host/src/host.js';

interface FriendsLike {
  save(card: unknown): Promise<unknown>;
  ownX25519PublicKeyFor(peer: string): string;
}

const host = await startHost({
  config: loadConfig(process.env, { port: 0, noBrowser: true, logLevel: process.env.KITH_LOG ?? 'error' }),
  log: createLogger(process.env.KITH_LOG ?? 'error'),
  extensions: { builtinDir: process.env.KITH_LAB_BUILTIN_DIR ?? '/nonexistent-kith-lab-extensions' },
});
const friends = () => (host.areas.identity as unknown as { friends: FriendsLike }).friends;
const received: string[] = [];

const ops: Record<string, (msg: Record<string, unknown>) => Promise<unknown> | unknown> = {
  info: () => ({ url: host.url, udpPort: host.areas.net.udpPort }),
  async fetch(msg) {
    const response = await host.fetch(String(msg.path), {
      method: String(msg.method ?? 'GET'),
      ...(msg.body !== undefined ? { body: JSON.stringify(msg.body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  },
  card(msg) {
    const persona = host.areas.identity.gate.active!;
    return {
      peer: persona.info.masterPublicKey,
      peerId: persona.info.peerId,
      label: persona.info.label,
      x25519PublicKey: friends().ownX25519PublicKeyFor(String(msg.forPeer)),
    };
  },
  async befriend(msg) {
    await friends().save(msg.card);
    return true;
  },
  /** SessionLinks.connect (what the bus calls for a just-in-time send): no candidates, via the rendezvous. */
  async connect(msg) {
    const link = await host.areas.net.links.connect(String(msg.peer), { timeoutMs: 30_000 });
    return { path: link.path, remote: link.remote };
  },
  /** Send one datagram over the live session with `peer`. */
  send(msg) {
    const link = host.areas.net.links.get(String(msg.peer));
    if (!link) throw new Error('no session');
    link.send(Buffer.from(String(msg.text)));
    return { path: link.path, remote: link.remote };
  },
  listen(msg) {
    const link = host.areas.net.links.get(String(msg.peer));
    if (!link) throw new Error('no session');
    link.onDidReceive((data) => received.push(Buffer.from(data).toString()));
    return true;
  },
  received: () => received.splice(0),
  /** Median of 20 raw UDP round trips (a STUN Binding request) to address:port: the lab's baseline. */
  async udpRtt(msg) {
    const dgram = await import('node:dgram');
    const socket = dgram.createSocket('udp4');
    const request = Buffer.from('000100002112a442' + '00'.repeat(12), 'hex');
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const began = performance.now();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        socket.once('message', () => { clearTimeout(timer); resolve(); });
        socket.send(request, Number(msg.port), String(msg.address));
      });
      samples.push(performance.now() - began);
    }
    socket.close();
    return samples.sort((x, y) => x - y)[10];
  },
  /** UDP sockets open in this namespace (/proc/net/udp{,6} rows). */
  udpSockets() {
    const rows = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').length - 1;
    return rows('/proc/net/udp') + rows('/proc/net/udp6');
  },
  async close() {
    await host.close();
    setTimeout(() => process.exit(0), 10);
    return true;
  },
};

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  try {
    const op = ops[String(msg.op)];
    if (!op) throw new Error(`unknown op ${String(msg.op)}`);
    const result = await op(msg);
    process.stdout.write(`${JSON.stringify({ id: msg.id, ok: true, result })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id: msg.id, ok: false, error: (error as Error).message })}\n`);
  }
});
lines.on('close', () => void host.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ ready: true, url: host.url, udpPort: host.areas.net.udpPort })}\n`);
