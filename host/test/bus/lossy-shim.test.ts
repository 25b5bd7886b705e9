import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { bindUdp } from './support/udp-link.js';
import { startLossyRelay } from '../../../tools/lossy-shim/lossy-relay.js';

const MAIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../tools/lossy-shim/main.ts');

async function collect(socket: import('node:dgram').Socket, ms: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  const onMessage = (m: Buffer) => got.push(m);
  socket.on('message', onMessage);
  await new Promise((r) => setTimeout(r, ms));
  socket.off('message', onMessage);
  return got;
}

describe('tools/lossy-shim', function () {
  this.timeout(30_000);

  it('relays both ways and applies its impairments (seeded, so the fate of each datagram repeats)', async () => {
    const [a, b] = [await bindUdp(), await bindUdp()];
    const relay = await startLossyRelay(a.address().port, b.address().port, { loss: 0.3, duplicate: 0.2, reorder: 0.3, reorderMs: 5, delayMs: [0, 1], seed: 42 });
    try {
      const pending = collect(b, 600);
      for (let i = 0; i < 1000; i++) {
        a.send(Buffer.from([i >> 8, i & 0xff]), relay.portForA, '127.0.0.1');
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
      }
      const got = await pending;
      const ids = got.map((m) => m.readUInt16BE(0));
      expect(relay.stats.dropped).to.be.within(230, 370);
      expect(got.length).to.equal(relay.stats.forwarded);
      expect(new Set(ids).size).to.be.lessThan(ids.length); // duplicates
      expect(ids.some((id, i) => i > 0 && id < ids[i - 1]!)).to.equal(true); // reordered
      const back = collect(a, 200);
      relay.impair({ loss: 0, duplicate: 0, reorder: 0 });
      b.send(Buffer.from('pong'), relay.portForB, '127.0.0.1');
      expect((await back).map(String)).to.deep.equal(['pong']);
    } finally {
      await relay.close();
      a.close();
      b.close();
    }
  });

  it('runs as its own process and prints its ports', async () => {
    const [a, b] = [await bindUdp(), await bindUdp()];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--a', String(a.address().port), '--b', String(b.address().port), '--loss', '0', '--duplicate', '0', '--reorder', '0', '--delay-max', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d) => resolve(String(d)));
        child.once('exit', (code) => reject(new Error(`shim exited ${code}`)));
      });
      const ports = JSON.parse(line) as { portForA: number; portForB: number };
      const pending = collect(b, 300);
      for (let i = 0; i < 10; i++) a.send(Buffer.from([i]), ports.portForA, '127.0.0.1');
      expect((await pending).map((m) => m[0])).to.deep.equal([...Array(10).keys()]);
      const bad = spawn(process.execPath, ['--import', 'tsx', MAIN, '--a', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      bad.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((r) => bad.once('exit', r));
      expect(code).to.equal(2);
      expect(stderr).to.match(/--a <port> is required/);
    } finally {
      child.kill('SIGTERM');
      a.close();
      b.close();
    }
  });
});
