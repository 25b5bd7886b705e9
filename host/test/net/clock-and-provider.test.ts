import { expect } from 'chai';
import http from 'node:http';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Disposable } from '@kith/sdk';
import { syncClock, parseServerTime } from '../../src/net/clock-sync.js';
import { NetRuntime } from '../../src/net/net-runtime.js';
import { networkProvider } from '../../src/net/network-provider.js';
import type { ExtensionScope } from '../../src/core/area.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('net/clock-sync against a real HTTP /r/time', () => {
  let server: http.Server;
  let url: string;
  let requests = 0;
  const skew = 12_345; // the server's clock runs this far ahead

  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      // The first answers are slow (a long RTT): the best-RTT sample must win.
      setTimeout(() => res.end(JSON.stringify({ now: Date.now() + skew })), requests <= 2 ? 120 : 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('measures the offset from the lowest-RTT sample', async () => {
    const clock = await syncClock(url, { samples: 5 });
    expect(clock.samples).to.equal(5);
    expect(clock.rttMs).to.be.lessThan(100);
    expect(Math.abs(clock.offsetMs - skew)).to.be.lessThan(60);
    expect(Math.abs(clock.serverNow() - (Date.now() + skew))).to.be.lessThan(60);
  });

  it('accepts the answer shapes rendezvous servers use and refuses the rest', () => {
    expect(parseServerTime('{"now":5}')).to.equal(5);
    expect(parseServerTime('{"time_ms":6}')).to.equal(6);
    expect(parseServerTime('7')).to.equal(7);
    expect(() => parseServerTime('{"now":"x"}')).to.throw();
  });
});

describe('net/network-provider (ctx.network)', () => {
  let runtime: NetRuntime;
  const tracked: Disposable[] = [];
  const faults: unknown[] = [];
  const scope = {
    track: <T extends Disposable>(d: T) => { tracked.push(d); return d; },
    fault: (e: unknown) => faults.push(e),
  } as unknown as ExtensionScope;

  before(async () => {
    runtime = new NetRuntime({ stunServers: ['127.0.0.1:9'], beaconPort: false });
    await runtime.start();
  });
  after(async () => {
    for (const d of tracked) d.dispose();
    await runtime.stop();
  });

  it('binds a timed UDP listener that closes itself at untilMs and is tracked by the scope', async () => {
    const network = networkProvider(runtime)(scope);
    const got: string[] = [];
    const listener = await network.bindUdp({ port: 0, family: 'ipv4', untilMs: Date.now() + 300 }, (d) => got.push(Buffer.from(d.data).toString()));
    expect(tracked).to.include(listener);
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => sender.send('parked', listener.local.port, '127.0.0.1', () => r()));
    await sleep(50);
    expect(got).to.deep.equal(['parked']);
    await sleep(400);
    await new Promise<void>((r) => sender.send('late', listener.local.port, '127.0.0.1', () => r()));
    await sleep(50);
    expect(got).to.deep.equal(['parked']);
    sender.close();
  });

  it('refuses a window already over, a bad port or family, a port in use (leaving no socket) and an oversized datagram, as KithErrors', async () => {
    const network = networkProvider(runtime)(scope);
    const codeOf = async (attempt: () => Promise<unknown>) => {
      try { await attempt(); } catch (e) { return (e as { code?: string }).code; }
      return 'no error';
    };
    expect(await codeOf(() => network.bindUdp({ port: 0, family: 'ipv4', untilMs: Date.now() - 1 }, () => undefined))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(() => network.bindUdp({ port: 70_000, family: 'ipv4' }, () => undefined))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(() => network.bindUdp({ port: 0, family: 'ipx' as 'ipv4' }, () => undefined))).to.equal('KITH_ERR_BAD_REQUEST');
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '0.0.0.0', () => r()));
    const handlesBefore = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    for (let i = 0; i < 20; i++) {
      expect(await codeOf(() => network.bindUdp({ port: taken.address().port, family: 'ipv4' }, () => undefined))).to.equal('KITH_ERR_CONFLICT');
    }
    await sleep(100); // a closed socket leaves the handle list on a later tick
    expect((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length, 'failed binds leave no socket').to.be.at.most(handlesBefore);
    taken.close();
    const listener = await network.bindUdp({ port: 0, family: 'ipv4' }, () => undefined);
    expect(await codeOf(() => listener.send(new Uint8Array(1501), listener.local))).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    listener.dispose();
    // Twenty refused binds spent none of the extension's 16 listeners.
    const many = await Promise.all(Array.from({ length: 16 }, () => network.bindUdp({ port: 0, family: 'ipv4' }, () => undefined)));
    many.forEach((l) => l.dispose());
  });

  it('discover() answers null endpoints when no STUN server answers (no throw)', async function () {
    this.timeout(10_000);
    const network = networkProvider(runtime)(scope);
    expect(await network.discover()).to.deep.equal({ ipv4: null, ipv6: null });
  });
});
