import path from 'node:path';
import { expect } from 'chai';
import { needs } from '../support/needs.js';
import { befriend, punchAt, startLab, type LabFixture, type LabPeer } from '../../tools/netlab/lab-fixture.js';

const DIAGNOSTICS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../extensions/diagnostics');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two real Kith hosts per scenario, inside the namespace NAT lab (tools/netlab). Needs root; CI
 * runs as root. Every scenario drives the hosts over their HTTP API.
 */
describe('netlab: real hosts through real NATs', function () {
  this.timeout(300_000);
  let fx: LabFixture;
  const peer = (role: 'a' | 'a2' | 'b' | 's1' | 's2' | 'v1' | 'v2'): LabPeer => fx.peers[role]!;

  needs('nat-lab');
  before(async function () {
    // The diagnostics extension serves the trace log (/api/diagnostics/traces); the host keeps it.
    fx = await startLab(['a', 'a2', 'b', 's1', 's2', 'v1', 'v2'], { extensions: [DIAGNOSTICS] });
    await befriend(peer('a'), peer('b'));
    await befriend(peer('a'), peer('a2'));
    await befriend(peer('s1'), peer('s2'));
    await befriend(peer('v1'), peer('v2'));
    await befriend(peer('b'), peer('s1'));
  });
  after(async () => {
    await fx?.teardown();
  });

  async function discover(p: LabPeer) {
    const answer = await p.proc.api('GET', '/api/discovery');
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as { ipv4: { address: string; port: number } | null; ipv6: { address: string; port: number } | null; nat_mapping: string };
  }

  /** Both sides POST /api/connect with the other's public endpoints and the same punch instant. */
  async function punch(x: LabPeer, y: LabPeer, family: 'ipv4' | 'ipv6') {
    const [dx, dy] = await Promise.all([discover(x), discover(y)]);
    const at = punchAt();
    const body = (d: typeof dx, other: LabPeer) => ({
      peer: other.peer, rendezvous_url: family === 'ipv6' ? fx.rendezvousUrl6 : fx.rendezvousUrl, punch_at_ms: at,
      ...(family === 'ipv4' ? { ipv4: d.ipv4 } : { ipv6: d.ipv6 }),
    });
    const began = Date.now();
    const [rx, ry] = await Promise.all([
      x.proc.api('POST', '/api/connect', body(dy, y)),
      y.proc.api('POST', '/api/connect', body(dx, x)),
    ]);
    return { rx, ry, dx, dy, elapsed: Date.now() - began };
  }

  it('cone ↔ cone: scheduled IPv4 punching opens an encrypted session that carries data', async () => {
    const a = peer('a');
    const b = peer('b');
    const { rx, ry, dx, dy } = await punch(a, b, 'ipv4');
    expect(dx.ipv4!.address).to.equal(fx.lab.routers.cone1.wan);
    expect(dy.ipv4!.address).to.equal(fx.lab.routers.cone2.wan);
    expect(dx.nat_mapping).to.equal('endpoint-independent');
    const v4only = await a.proc.api('GET', '/api/discovery/ipv4');
    expect(v4only.body.ipv4).to.deep.equal(dx.ipv4);
    expect((await a.proc.api('GET', '/api/discovery/ipv6')).body.ipv6).to.equal(null);
    expect(rx.status, JSON.stringify(rx.body)).to.equal(200);
    expect(ry.status, JSON.stringify(ry.body)).to.equal(200);
    expect(rx.body.session.path).to.equal('ipv4-punch');
    expect(rx.body.session.remote.address).to.equal(fx.lab.routers.cone2.wan);
    const punchStage = (rx.body.trace as { stage: string; outcome: string; ms: number }[]).find((t) => t.stage === 'ipv4-punch')!;
    expect(punchStage.outcome).to.equal('ok');
    expect(punchStage.ms).to.be.lessThan(1_000);

    await b.proc.call('listen', { peer: a.peer });
    await a.proc.call('send', { peer: b.peer, text: 'through two NATs' });
    await sleep(200);
    expect(await b.proc.call('received')).to.deep.equal(['through two NATs']);
    const sessions = await a.proc.api('GET', '/api/sessions');
    expect(sessions.body.sessions.map((s: { peer: string }) => s.peer)).to.deep.equal([b.peer]);
    // The route's answer and the diagnostics log hold the same per-stage trace.
    const traces = await a.proc.api('GET', '/api/diagnostics/traces');
    expect(traces.body.entries.some((e: { stage: string; source: string }) => e.stage === 'ipv4-punch' && e.source === 'net')).to.equal(true);
    const closed = await a.proc.api('DELETE', `/api/sessions/${b.peerId}`);
    expect(closed.status).to.equal(204);
    await sleep(200);
    expect((await b.proc.api('GET', '/api/sessions')).body.sessions).to.deep.equal([]);
  });

  it('IPv6 through two stateful firewalls connects directly when both sides fire', async () => {
    const { rx, ry, dx } = await punch(peer('v1'), peer('v2'), 'ipv6');
    expect(dx.ipv6!.address).to.equal('2001:db8:1::2');
    expect(dx.ipv4).to.equal(null);
    expect((await peer('v1').proc.api('GET', '/api/discovery/ipv6')).body.ipv6.address).to.equal('2001:db8:1::2');
    expect(rx.status, JSON.stringify(rx.body)).to.equal(200);
    expect(ry.status, JSON.stringify(ry.body)).to.equal(200);
    expect(rx.body.session.path).to.equal('ipv6-direct');
    const rungs = (rx.body.trace as { stage: string }[]).filter((t) => t.stage !== 'clock-sync');
    expect(rungs[0]).to.include({ stage: 'ipv6-direct', outcome: 'ok' });
  });

  it('two hosts behind one NAT: the public path fails (no hairpin), LAN beacons connect them', async () => {
    const { rx, ry } = await punch(peer('a'), peer('a2'), 'ipv4');
    expect(rx.status, JSON.stringify(rx.body)).to.equal(200);
    expect(ry.status, JSON.stringify(ry.body)).to.equal(200);
    const stages = (rx.body.trace as { stage: string; outcome: string }[]).map((t) => `${t.stage}:${t.outcome}`);
    expect(stages).to.include('lan-direct:ok');
    expect(rx.body.session.path).to.equal('lan');
    expect(rx.body.session.remote.address).to.equal('10.1.0.3');
  });

  it('cone ↔ symmetric also fails (the symmetric side maps a new port per destination), with the reason', async () => {
    const { rx, ry } = await punch(peer('b'), peer('s1'), 'ipv4');
    expect(rx.status).to.equal(504);
    expect(ry.status).to.equal(504);
    const symmetricSide = ry.body.error.details.trace as { stage: string; outcome: string }[];
    expect(symmetricSide.at(-1)).to.include({ stage: 'nat-mapping', outcome: 'info' });
    const coneSide = rx.body.error.details.trace as { stage: string }[];
    expect(coneSide.some((t) => t.stage === 'nat-mapping')).to.equal(false);
  });

  it('symmetric ↔ symmetric fails with a clear trace within a bounded time and leaves no stray sockets', async () => {
    const s1 = peer('s1');
    const s2 = peer('s2');
    const socketsBefore = await s1.proc.call<number>('udpSockets');
    const [d1] = await Promise.all([discover(s1), discover(s2)]);
    expect(d1.nat_mapping).to.equal('endpoint-dependent');
    const { rx, ry, elapsed } = await punch(s1, s2, 'ipv4');
    expect(rx.status).to.equal(504);
    expect(ry.status).to.equal(504);
    expect(rx.body.error.code).to.equal('KITH_ERR_PEER_UNREACHABLE');
    const trace = rx.body.error.details.trace as { stage: string; outcome: string; detail?: string }[];
    expect(trace.map((t) => `${t.stage}:${t.outcome}`)).to.include.members(['ipv4-punch:failed', 'lan-direct:failed', 'connect:failed']);
    expect(trace.find((t) => t.stage === 'connect')!.detail).to.match(/no direct path/);
    expect(trace.at(-1)).to.include({ stage: 'nat-mapping', outcome: 'info' });
    expect(elapsed).to.be.lessThan(12_000);
    expect(await s1.proc.call<number>('udpSockets')).to.equal(socketsBefore);
    expect((await s1.proc.api('GET', '/api/sessions')).body.sessions).to.deep.equal([]);
  });
});

describe('netlab: connect request/accept through the real rendezvous server', function () {
  this.timeout(300_000);
  let fx: LabFixture;

  needs('nat-lab');
  before(async function () {
    fx = await startLab(['a', 'b']);
    await befriend(fx.peers.a!, fx.peers.b!);
  });
  after(async () => {
    await fx?.teardown();
  });

  it('sealed connect_request / connect_accept envelopes lead to a punched session (accept → open measured)', async () => {
    const a = fx.peers.a!;
    const b = fx.peers.b!;
    const url = fx.signallingUrl;
    const word = `lab-${Math.random().toString(36).slice(2, 10)}`;
    for (const p of [a, b]) {
      const joined = await p.proc.api('POST', '/api/rendezvous/join', { url, word });
      expect(joined.status, JSON.stringify(joined.body)).to.equal(200);
    }
    const requested = a.proc.api('POST', '/api/connect/request', { rendezvous_url: url, word, peer: b.peer });
    let request: { nonce: string; from_peer_id: string; punch_at_ms: number; from_master_pubkey: string } | undefined;
    const deadline = Date.now() + 20_000;
    while (!request && Date.now() < deadline) {
      const polled = await b.proc.api('POST', '/api/rendezvous/poll', { url, word });
      request = polled.body?.requests?.[0];
      if (!request) await sleep(200);
    }
    expect(request, 'b saw the connect request').to.not.equal(undefined);
    expect(request!.from_master_pubkey).to.equal(a.peer);
    const began = Date.now();
    const accepted = await b.proc.api('POST', '/api/connect/accept', {
      rendezvous_url: url, word, nonce: request!.nonce, from_peer_id: request!.from_peer_id, punch_at_ms: request!.punch_at_ms,
    });
    const acceptToOpen = Date.now() - began;
    const requestAnswer = await requested;
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
    expect(requestAnswer.status, JSON.stringify(requestAnswer.body)).to.equal(200);
    expect(accepted.body.session.path).to.equal('ipv4-punch');
    expect(requestAnswer.body.trace.map((t: { stage: string }) => t.stage)).to.include.members(['rendezvous-request', 'await-accept', 'ipv4-punch']);
    console.log(`      accept → open session (cone punch, lab): ${acceptToOpen} ms`);
    expect(acceptToOpen).to.be.lessThan(10_000);
  });

  it('SessionLinks.connect(peer) finds the friend through its last sealed announcement and punches', async () => {
    const a = fx.peers.a!;
    const b = fx.peers.b!;
    await a.proc.api('DELETE', `/api/sessions/${b.peerId}`);
    await sleep(200);
    const url = fx.signallingUrl;
    const word = `jit-${Math.random().toString(36).slice(2, 10)}`;
    await b.proc.api('POST', '/api/rendezvous/join', { url, word });
    await a.proc.api('POST', '/api/rendezvous/join', { url, word }); // a sees b's announcement here
    const connecting = a.proc.call<{ path: string }>('connect', { peer: b.peer }, 60_000);
    let request: { nonce: string; from_peer_id: string; punch_at_ms: number } | undefined;
    const deadline = Date.now() + 20_000;
    while (!request && Date.now() < deadline) {
      request = (await b.proc.api('POST', '/api/rendezvous/poll', { url, word })).body?.requests?.[0];
      if (!request) await sleep(200);
    }
    expect(request, 'b saw the just-in-time connect request').to.not.equal(undefined);
    const accepted = await b.proc.api('POST', '/api/connect/accept', {
      rendezvous_url: url, word, nonce: request!.nonce, from_peer_id: request!.from_peer_id, punch_at_ms: request!.punch_at_ms,
    });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
    expect((await connecting).path).to.equal('ipv4-punch');
  });
});
