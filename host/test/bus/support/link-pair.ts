import type dgram from 'node:dgram';
import { startLossyRelay, type Impairments, type LossyRelay } from '../../../../tools/lossy-shim/lossy-relay.js';
import { UdpLink, bindUdp } from './udp-link.js';
import { createTestPeer, type TestPeer } from './test-peer.js';

export interface LinkPair {
  readonly ab: UdpLink;
  readonly ba: UdpLink;
  readonly relay: LossyRelay | undefined;
  /** Close both ends (the session ends) and release the sockets. */
  close(): Promise<void>;
}

/**
 * Open a session between two test peers over real UDP loopback sockets, optionally through the
 * lossy relay, and attach it to both engines.
 */
export async function linkPair(
  a: TestPeer, b: TestPeer,
  options: { impairments?: Partial<Impairments>; maxPayload?: number; sealKey?: Uint8Array } = {},
): Promise<LinkPair> {
  const sockets: dgram.Socket[] = [await bindUdp(), await bindUdp()];
  const [sa, sb] = sockets as [dgram.Socket, dgram.Socket];
  let relay: LossyRelay | undefined;
  let toB = sb.address().port;
  let toA = sa.address().port;
  if (options.impairments) {
    relay = await startLossyRelay(sa.address().port, sb.address().port, options.impairments);
    toB = relay.portForA;
    toA = relay.portForB;
  }
  const common = { maxPayload: options.maxPayload, sealKey: options.sealKey };
  const ab = new UdpLink({ socket: sa, remotePort: toB, peer: b.keys.masterPublicKey, ...common });
  const ba = new UdpLink({ socket: sb, remotePort: toA, peer: a.keys.masterPublicKey, ...common });
  a.engine.attach(ab);
  b.engine.attach(ba);
  return {
    ab,
    ba,
    relay,
    async close() {
      ab.close('closed-locally');
      ba.close('closed-by-peer');
      await relay?.close();
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** Resolve when `predicate` holds, polling every 5 ms; reject after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Two fresh peers for each test of the calling suite (`pair`: set it to have it closed too). */
export function freshPeersEachTest(): { a: TestPeer; b: TestPeer; pair?: LinkPair } {
  const peers = {} as { a: TestPeer; b: TestPeer; pair?: LinkPair };
  beforeEach(async () => {
    peers.a = await createTestPeer();
    peers.b = await createTestPeer();
  });
  afterEach(async () => {
    await peers.pair?.close();
    peers.pair = undefined;
    await peers.a.close();
    await peers.b.close();
  });
  return peers;
}
