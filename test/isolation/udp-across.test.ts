/**
 * `ctx.network.bindUdp` for an extension in its own process: the socket stays in the host (the
 * extension host may not open sockets to this machine), datagrams cross to the extension's
 * callback and its `send` crosses back. A real Kith host with a third-party echo extension.
 */
import { expect } from 'chai';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

describe('isolation: a UDP socket bound by an extension in its own process', function () {
  this.timeout(120_000);
  let work: string;
  let t: TestHost;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-udp-across-'));
    const root = writeExtension(work, 'udpecho', { id: 'udpecho', contributes: { routes: ['POST /udpecho/bind'] } }, `
export default { activate(ctx) {
  ctx.routes.post('/udpecho/bind', async () => {
    const socket = await ctx.network.bindUdp({ port: 0, family: 'ipv4' }, (d) => {
      void socket.send(new Uint8Array([...d.data].reverse()), d.from);
    });
    ctx.subscriptions.push(socket);
    return { port: socket.local.port, pid: process.pid };
  });
} };`);
    t = await startTestHost({ extensions: [root], builtin: false });
    await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('delivers a datagram to the extension and sends its answer from the same socket', async () => {
    const entry = (await t.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'udpecho');
    expect(entry).to.include({ running: true, isolation: 'process' });
    const { port } = await t.request<{ port: number; pid: number }>('POST', '/udpecho/bind');
    expect(port).to.be.a('number').and.above(0);
    const client = dgram.createSocket('udp4');
    try {
      const answer = new Promise<{ data: Buffer; from: number }>((resolve) => client.once('message', (data, rinfo) => resolve({ data, from: rinfo.port })));
      // UDP may drop: send until the answer comes.
      const resend = setInterval(() => client.send(Buffer.from([1, 2, 3, 4]), port, '127.0.0.1'), 200);
      client.send(Buffer.from([1, 2, 3, 4]), port, '127.0.0.1');
      const { data, from } = await answer.finally(() => clearInterval(resend));
      expect([...data]).to.deep.equal([4, 3, 2, 1]);
      expect(from).to.equal(port);
    } finally {
      client.close();
    }
  });
});
