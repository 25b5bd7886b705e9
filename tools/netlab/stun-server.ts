import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';

/**
 * A real STUN server for tests: Debian's coturn (`turnserver`) in STUN-only mode, on a random
 * port, optionally inside a network namespace. Resolves once it answers a Binding request.
 */
export interface StunServerProcess {
  readonly port: number;
  readonly addresses: readonly string[];
  stop(): Promise<void>;
}

export async function startStunServer(options: {
  addresses: readonly string[];
  port?: number;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
}): Promise<StunServerProcess> {
  const port = options.port ?? 20_000 + Math.floor(Math.random() * 30_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-coturn-'));
  const args = [
    '-n', '--stun-only', '--no-cli', '--no-tls', '--no-dtls', '--no-auth', '--simple-log',
    '--log-file', path.join(dir, 'turn.log'), '--pidfile', path.join(dir, 'turn.pid'),
    '--listening-port', String(port), '--userdb', path.join(dir, 'turndb'),
    ...options.addresses.flatMap((a) => ['--listening-ip', a]),
  ];
  const command = options.netns ? 'ip' : 'turnserver';
  const fullArgs = options.netns ? ['netns', 'exec', options.netns, 'turnserver', ...args] : args;
  const child: ChildProcess = spawn(command, fullArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 2_000); });
      if (!exited) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!options.netns) {
    try {
      await waitUntilAnswering(options.addresses[0]!, port, () => exited);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { port, addresses: options.addresses, stop };
}

/** Poll with Binding requests until the server answers (coturn takes a moment to bind). */
export async function waitUntilAnswering(address: string, port: number, exited: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + 5_000;
  const family = address.includes(':') ? 'udp6' : 'udp4';
  while (Date.now() < deadline) {
    if (exited()) throw new Error('turnserver exited (is coturn installed? apt-get install -y coturn)');
    const answered = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket(family);
      const request = Buffer.from('000100002112a442' + '00'.repeat(12), 'hex');
      const timer = setTimeout(() => { socket.close(); resolve(false); }, 150);
      socket.on('message', () => { clearTimeout(timer); socket.close(); resolve(true); });
      socket.on('error', () => { clearTimeout(timer); socket.close(); resolve(false); });
      socket.send(request, port, address);
    });
    if (answered) return;
  }
  throw new Error(`turnserver did not answer on ${address}:${port}`);
}
