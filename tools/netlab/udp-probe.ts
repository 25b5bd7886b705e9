/**
 * A port scanner for the lab: from inside a namespace, send a few datagrams of random bytes to each
 * port of a host from a connected UDP socket and report, per port, whether anything came back: a
 * datagram, or an ICMP port-unreachable (seen as ECONNREFUSED on the connected socket).
 *
 *   ip netns exec <ns> node --import tsx tools/netlab/udp-probe.ts '{"address":"…","ports":[…],"waitMs":1500}'
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';

export interface ProbeAnswer {
  readonly port: number;
  readonly replies: number;
  readonly refused: boolean;
}

async function probe(address: string, port: number, waitMs: number): Promise<ProbeAnswer> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  let replies = 0;
  let refused = false;
  socket.on('message', () => replies++);
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNREFUSED') refused = true;
  });
  await new Promise<void>((resolve, reject) => socket.connect(port, address, (e?: Error) => (e ? reject(e) : resolve())));
  for (let i = 0; i < 3; i++) {
    socket.send(randomBytes(32 + i * 40));
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, waitMs));
  socket.close();
  return { port, replies, refused };
}

/** Run the probe inside namespace `ns` (from the test process). */
export function probeFrom(ns: string, address: string, ports: readonly number[], waitMs = 1500): Promise<ProbeAnswer[]> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'udp-probe.ts');
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, JSON.stringify({ address, ports, waitMs })], (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as ProbeAnswer[]);
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const { address, ports, waitMs } = JSON.parse(process.argv[2] ?? '{}') as { address: string; ports: number[]; waitMs?: number };
  const answers = await Promise.all(ports.slice(0, 256).map((port) => probe(address, port, waitMs ?? 1500)));
  process.stdout.write(JSON.stringify(answers));
}
