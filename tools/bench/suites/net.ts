import dgram from 'node:dgram';
import { randomBytes, createCipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { benchPersona, card, lo } from '../bench-persona.js';
import { NetRuntime } from '../../../host/src/net/net-runtime.js';
import { AEAD_TAG_BYTES, nonceFor, seal } from '../../../host/src/net/aead.js';
import { labAvailable } from '../../netlab/lab-shell.js';
import { befriend, punchAt, startLab, type LabPeer } from '../../netlab/lab-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Push `count` datagrams in windows of `window`, waiting for the receiver each time (no socket-buffer loss). */
async function paced(count: number, window: number, sendOne: () => void, received: () => number): Promise<number> {
  const began = performance.now();
  let sent = 0;
  while (sent < count) {
    for (let i = 0; i < window && sent < count; i++, sent++) sendOne();
    const deadline = Date.now() + 2_000;
    while (received() < sent - 8 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 2_000;
  while (received() < count && Date.now() < deadline) await sleep(1);
  return (received() / (performance.now() - began)) * 1000;
}

async function loopbackRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const payload = randomBytes(1200);
  const count = 50_000;

  // Raw dgram loopback baseline, same size and pacing.
  const rx = dgram.createSocket('udp4');
  const tx = dgram.createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  let rawReceived = 0;
  rx.on('message', () => rawReceived++);
  const rawRate = await paced(count, 64, () => tx.send(payload, rx.address().port, '127.0.0.1'), () => rawReceived);
  rx.close();
  tx.close();

  // Kith sessions on loopback.
  const a = new NetRuntime({ stunServers: [], beaconPort: false });
  const b = new NetRuntime({ stunServers: [], beaconPort: false });
  await a.start();
  await b.start();
  try {
    const alice = benchPersona('alice');
    const bob = benchPersona('bob');
    a.activate(alice, [card(bob, alice)]);
    b.activate(bob, [card(alice, bob)]);
    const rttSamples: number[] = [];
    const echo = dgram.createSocket('udp4');
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    for (let i = 0; i < 20; i++) {
      const began = performance.now();
      await new Promise<void>((r) => { probe.once('message', () => r()); probe.send('x', echo.address().port, '127.0.0.1'); });
      rttSamples.push(performance.now() - began);
    }
    echo.close();
    probe.close();
    const handshakes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const began = performance.now();
      const result = await a.ladder({ peer: bob.info.masterPublicKey, ipv4: lo(b.udpPort), startAt: Date.now() });
      handshakes.push(performance.now() - began);
      result.session!.close();
      await sleep(5);
    }
    rows.push({
      area: 'net', metric: 'Noise KK handshake to open session (loopback, p50)', value: median(handshakes), unit: 'ms',
      baseline: { name: 'raw UDP round trip', value: median(rttSamples), unit: 'ms' },
    });

    const result = await a.ladder({ peer: bob.info.masterPublicKey, ipv4: lo(b.udpPort), startAt: Date.now() });
    await sleep(20);
    const receiver = b.sessions()[0]!;
    let got = 0;
    receiver.onDidReceive(() => got++);
    const sealedRate = await paced(count, 64, () => result.session!.send(payload), () => got);
    rows.push({
      area: 'net', metric: 'sealed session datagrams, 1200 B (loopback)', value: sealedRate, unit: 'pkt/s',
      baseline: { name: 'raw dgram loopback', value: rawRate, unit: 'pkt/s' },
    });
  } finally {
    await a.stop();
    await b.stop();
  }

  // The per-packet cipher alone: libsodium (what sessions use) vs node:crypto (a cipher object per
  // packet, what they used before) vs a JavaScript ChaCha20-Poly1305.
  const key = randomBytes(32);
  const aad = randomBytes(14);
  const n = 50_000;
  let began = performance.now();
  for (let i = 0; i < n; i++) seal(key, i, aad, payload);
  const sodiumRate = (n / (performance.now() - began)) * 1000;
  began = performance.now();
  for (let i = 0; i < n; i++) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonceFor(i), { authTagLength: AEAD_TAG_BYTES });
    cipher.setAAD(aad, { plaintextLength: payload.length });
    Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  }
  const nodeRate = (n / (performance.now() - began)) * 1000;
  began = performance.now();
  for (let i = 0; i < n / 5; i++) {
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32LE(i, 4);
    chacha20poly1305(key, nonce, aad).encrypt(payload);
  }
  const nobleRate = (n / 5 / (performance.now() - began)) * 1000;
  rows.push(
    {
      area: 'net', metric: 'seal 1200 B (libsodium ChaCha20-Poly1305, the session AEAD)', value: sodiumRate, unit: 'pkt/s',
      baseline: { name: 'node:crypto createCipheriv per packet', value: nodeRate, unit: 'pkt/s' },
    },
    {
      area: 'net', metric: 'seal 1200 B (@noble/ciphers chacha20poly1305, pure JavaScript)', value: nobleRate, unit: 'pkt/s',
      baseline: { name: 'libsodium', value: sodiumRate, unit: 'pkt/s' },
    },
  );
  return rows;
}

async function labRows(): Promise<BenchRow[]> {
  if (!labAvailable().ok) return [];
  const fx = await startLab(['a', 'a2', 'b', 'v1', 'v2']);
  const rows: BenchRow[] = [];
  try {
    const p = fx.peers as Record<string, LabPeer>;
    await befriend(p.a!, p.b!);
    await befriend(p.a!, p.a2!);
    await befriend(p.v1!, p.v2!);
    const connect = async (x: LabPeer, y: LabPeer, family: 'ipv4' | 'ipv6') => {
      fx.lab.flushConntrack(); // every measurement starts with no NAT mapping between the peers
      const [dx, dy] = await Promise.all([x, y].map((h) => h.proc.api('GET', '/api/discovery').then((r) => r.body)));
      const at = punchAt();
      const url = family === 'ipv6' ? fx.rendezvousUrl6 : fx.rendezvousUrl;
      const [rx] = await Promise.all([
        x.proc.api('POST', '/api/connect', { peer: y.peer, rendezvous_url: url, punch_at_ms: at, [family]: dy[family] }),
        y.proc.api('POST', '/api/connect', { peer: x.peer, rendezvous_url: url, punch_at_ms: at, [family]: dx[family] }),
      ]);
      const trace = rx.body.trace as { stage: string; outcome: string; ms: number }[];
      const ok = trace.find((t) => t.outcome === 'ok' && t.stage !== 'clock-sync' && t.stage !== 'connect');
      await x.proc.api('DELETE', `/api/sessions/${y.peerId}`);
      await sleep(200);
      return { stage: ok?.stage ?? 'failed', ms: ok?.ms ?? NaN, total: trace.find((t) => t.stage === 'connect')?.ms ?? NaN };
    };
    const ipv4 = await connect(p.a!, p.b!, 'ipv4');
    const ipv6 = await connect(p.v1!, p.v2!, 'ipv6');
    const lan = await connect(p.a!, p.a2!, 'ipv4');
    // Baseline: a raw UDP round trip from host a through its NAT to the STUN server (median of 20).
    const base = await p.a!.proc.call<number>('udpRtt', { address: fx.lab.rdv.ipv4, port: fx.stunPort });
    const baseline = { name: 'raw UDP RTT host→internet (lab)', value: base, unit: 'ms' };
    rows.push({ area: 'net', metric: 'connect, IPv4 punch cone↔cone (lab, rung start → open)', value: ipv4.ms, unit: 'ms', baseline });
    rows.push({ area: 'net', metric: 'connect, IPv6 direct via stateful firewalls (lab, rung start → open)', value: ipv6.ms, unit: 'ms', baseline });
    rows.push({
      area: 'net', metric: 'connect, LAN beacons behind one NAT (lab, ladder start → open)', value: lan.total, unit: 'ms', baseline,
      goal: 'includes the 3 s IPv4 rung that must fail first (no hairpin)',
    });

    // The goal metric: accept → open session, through the real rendezvous server.
    const url = fx.signallingUrl;
    const word = `bench-${randomBytes(4).toString('hex')}`;
    for (const h of [p.a!, p.b!]) await h.proc.api('POST', '/api/rendezvous/join', { url, word });
    fx.lab.flushConntrack();
    const requested = p.a!.proc.api('POST', '/api/connect/request', { rendezvous_url: url, word, peer: p.b!.peer });
    let request: { nonce: string; from_peer_id: string; punch_at_ms: number } | undefined;
    while (!request) {
      request = (await p.b!.proc.api('POST', '/api/rendezvous/poll', { url, word })).body?.requests?.[0];
      if (!request) await sleep(100);
    }
    const began = Date.now();
    const accepted = await p.b!.proc.api('POST', '/api/connect/accept', {
      rendezvous_url: url, word, nonce: request.nonce, from_peer_id: request.from_peer_id, punch_at_ms: request.punch_at_ms,
    });
    const acceptToOpen = accepted.status === 200 ? Date.now() - began : NaN;
    await requested;
    rows.push({
      area: 'net', metric: 'accept → open session, cone punch via rendezvous (lab)', value: acceptToOpen, unit: 'ms', baseline,
      goal: '< 1000 ms (reference: 5–40 s)',
    });
  } finally {
    await fx.teardown();
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const suite: BenchSuite = {
  name: 'net',
  async run() {
    return [...(await loopbackRows()), ...(await labRows())];
  },
};
export default suite;
