import { expect } from 'chai';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { befriendHosts, startTestHost, type TestHost } from './host-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page sees session:open / session:heartbeat / session:close over socket.io. */
describe('net: session events to the UI', function () {
  this.timeout(60_000);
  let a: TestHost;
  let b: TestHost;
  let socket: Socket;
  const events: { name: string; payload: Record<string, unknown> }[] = [];

  before(async () => {
    [a, b] = await Promise.all([startTestHost('ev-alice'), startTestHost('ev-bob')]);
    await befriendHosts(a, b);
    socket = connectSocket(a.host.url, { path: '/api/ws', reconnection: false, forceNew: true, extraHeaders: { 'x-kith-secret': a.host.launchSecret } });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    socket.onAny((name: string, payload: Record<string, unknown>) => {
      if (name.startsWith('session:')) events.push({ name, payload });
    });
  });
  after(async () => {
    socket?.close();
    await a?.close();
    await b?.close();
  });

  it('emits open with path and remote, a heartbeat on keepalive, and close with the reason', async () => {
    const response = await a.host.fetch('/api/connect', {
      method: 'POST', body: JSON.stringify({ peer: b.peer, ipv4: `127.0.0.1:${b.host.areas.net.udpPort}` }),
    });
    expect(response.status).to.equal(200);
    await sleep(100);
    const open = events.find((e) => e.name === 'session:open')!;
    expect(open.payload).to.include({ peer: b.peer, peerId: b.peerId, path: 'loopback' });
    // b sends a keepalive after 5 s without sending (checked every second); a reports it as a heartbeat.
    const heartbeat = () => events.some((e) => e.name === 'session:heartbeat' && e.payload.peer === b.peer);
    const deadline = Date.now() + 9_000;
    while (!heartbeat() && Date.now() < deadline) await sleep(100);
    expect(heartbeat()).to.equal(true);
    expect((await b.host.fetch(`/api/sessions/${a.peerId}`, { method: 'DELETE' })).status).to.equal(204);
    await sleep(100);
    const close = events.find((e) => e.name === 'session:close')!;
    expect(close.payload).to.include({ peer: b.peer, reason: 'closed-by-peer' });
    expect((await a.host.fetch(`/api/sessions/${b.peerId}`, { method: 'DELETE' })).status).to.equal(409);
  });

  it('refuses bad connect bodies with a clear 400, and a stranger with 404', async () => {
    const bad = await a.host.fetch('/api/connect', { method: 'POST', body: JSON.stringify({ peer: 'xyz', ipv4: '1.2.3.4:5' }) });
    expect(bad.status).to.equal(400);
    expect((await bad.json()).error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const noCandidates = await a.host.fetch('/api/connect', { method: 'POST', body: JSON.stringify({ peer: b.peer }) });
    expect(noCandidates.status).to.equal(400);
    const wrongFamily = await a.host.fetch('/api/connect', { method: 'POST', body: JSON.stringify({ peer: b.peer, ipv4: '[::1]:5' }) });
    expect(wrongFamily.status).to.equal(400);
    const stranger = await a.host.fetch('/api/connect', { method: 'POST', body: JSON.stringify({ peer: 'ab'.repeat(32), ipv4: '127.0.0.1:9' }) });
    expect(stranger.status).to.equal(404);
  });

  it('bounds concurrent connect attempts (429 beyond eight)', async () => {
    const dead = { ipv4: '127.0.0.1:9' };
    const attempts = Array.from({ length: 9 }, () =>
      a.host.fetch('/api/connect', { method: 'POST', body: JSON.stringify({ peer: b.peer, ...dead }) }));
    const statuses = (await Promise.all(attempts)).map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 429)).to.have.length(1);
    expect(statuses.filter((s) => s === 504)).to.have.length(8);
  });

  it('locking closes every session (the peer hears closed-by-peer) and the routes answer 423', async () => {
    const response = await a.host.fetch('/api/connect', {
      method: 'POST', body: JSON.stringify({ peer: b.peer, ipv4: `127.0.0.1:${b.host.areas.net.udpPort}` }),
    });
    expect(response.status).to.equal(200);
    const reasons: string[] = [];
    b.host.areas.net.links.get(a.peer)!.onDidClose((r) => reasons.push(r));
    expect((await a.host.fetch('/api/identity/lock', { method: 'POST' })).status).to.equal(200);
    await sleep(100);
    expect(reasons).to.deep.equal(['closed-by-peer']);
    expect(a.host.areas.net.links.all).to.have.length(0);
    expect((await a.host.fetch('/api/sessions')).status).to.equal(423);
  });
});
