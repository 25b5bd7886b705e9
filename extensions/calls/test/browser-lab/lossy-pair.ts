/**
 * Alice and Bob, friends, whose session runs through the lossy UDP shim (tools/lossy-shim): fixed
 * UDP ports, LAN discovery off, and Alice connects to Bob at the relay's port for her.
 */
import { befriend, eventually, startTestHost, startTestRendezvous, type TestHost } from '@kith/sdk/testing';
import { startLossyRelay, type Impairments, type LossyRelay } from '../../../../tools/lossy-shim/lossy-relay.js';

export interface LossyPair {
  readonly alice: TestHost;
  readonly bob: TestHost;
  readonly relay: LossyRelay;
  close(): Promise<void>;
}

export async function startLossyPair(impairments: Partial<Impairments>): Promise<LossyPair> {
  const alicePort = 43000 + Math.floor(Math.random() * 2000);
  const bobPort = alicePort + 2500;
  const rendezvous = await startTestRendezvous();
  const [alice, bob] = await Promise.all([
    startTestHost({ name: 'Alice', env: { KITH_UDP_PORT: String(alicePort), KITH_LAN_PORT: 'off' } }),
    startTestHost({ name: 'Bob', env: { KITH_UDP_PORT: String(bobPort), KITH_LAN_PORT: 'off' } }),
  ]);
  await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
  await befriend(alice, bob, rendezvous.url);
  const relay = await startLossyRelay(alicePort, bobPort, { duplicate: 0, reorder: 0, ...impairments });
  // The handshake itself crosses the lossy path: a few tries.
  for (let attempt = 1; ; attempt++) {
    try {
      await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${relay.portForA}` });
      await eventually('a live session through the shim', async () => (await bob.request('GET', '/sessions')).sessions.some((s: any) => s.peer === alice.persona!.key), 20_000);
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
  return {
    alice,
    bob,
    relay,
    async close() {
      await Promise.allSettled([alice.close(), bob.close(), relay.close()]);
      await rendezvous.close();
    },
  };
}
