/**
 * Open a session between two peers the way the UI does: both join a room, `from` asks with
 * `POST /connect/request`, `to` sees the request in `POST /rendezvous/poll` and accepts it with
 * `POST /connect/accept`.
 */
import { waitFor } from './api-client.js';
import type { E2ePeer } from './e2e-peer.js';

export async function joinRoom(peer: E2ePeer, rendezvousUrl: string, word: string): Promise<any> {
  return peer.api.ok('POST', '/rendezvous/join', { url: rendezvousUrl, word, mode: 'manual' });
}

export async function connectPeers(from: E2ePeer, to: E2ePeer, rendezvousUrl: string, word: string): Promise<void> {
  await joinRoom(from, rendezvousUrl, word);
  await joinRoom(to, rendezvousUrl, word);
  const since = Date.now() - 1000;
  const request = from.api.ok('POST', '/connect/request', { rendezvous_url: rendezvousUrl, word, peer: to.keys.masterPublicKey });
  request.catch(() => undefined);
  const inbound = await waitFor(`a connect request from ${from.name} at ${to.name}`, async () => {
    const poll = await to.api.ok('POST', '/rendezvous/poll', { url: rendezvousUrl, word, mode: 'manual' });
    // Only a request from this attempt: the room may still list earlier, answered ones.
    return (poll.requests as any[]).find((r) => r.from_master_pubkey === from.keys.masterPublicKey && r.sent_at >= since);
  });
  const accept = to.api.ok('POST', '/connect/accept', {
    rendezvous_url: rendezvousUrl,
    word,
    nonce: inbound.nonce,
    peer: from.keys.masterPublicKey,
    from_ipv4: inbound.from_ipv4 ?? null,
    from_ipv6: inbound.from_ipv6 ?? null,
    punch_at_ms: inbound.punch_at_ms,
  });
  await Promise.all([request, accept]);
  await waitFor(`a live session ${from.name} ↔ ${to.name}`, async () => {
    const [a, b] = await Promise.all([from.api.ok('GET', '/sessions'), to.api.ok('GET', '/sessions')]);
    return (
      a.sessions.some((s: any) => s.peer === to.keys.masterPublicKey) && b.sessions.some((s: any) => s.peer === from.keys.masterPublicKey)
    );
  });
}
