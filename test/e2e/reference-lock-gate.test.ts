/**
 * The reference's local API table, row by row, against the real program: every route it lists as
 * protected answers 423 KITH_ERR_LOCKED before any persona exists and after a lock, whatever the
 * body; the public ones answer without unlocking. Paths and methods are the reference's
 * (../shared/reference/000_fd9f878410dc937a.txt, "Protected (require an unlocked persona)").
 */
import { expect } from 'chai';
import { startTestHost, startTestRendezvous, type TestHost } from '@kith/sdk/testing';

const PEER = 'ab'.repeat(32);
const MSG = 'cd'.repeat(16);
const TRANSFER = 'ef'.repeat(16);

/** [method, path below /api, body] for every protected row of the reference's table. */
const PROTECTED: readonly (readonly [string, string, unknown?])[] = [
  ['GET', '/discovery'], ['GET', '/discovery/ipv4'], ['GET', '/discovery/ipv6'],
  ['POST', '/rendezvous/check', { url: 'http://127.0.0.1:9' }],
  ['POST', '/rendezvous/join', { url: 'http://127.0.0.1:9', word: 'w' }],
  ['POST', '/rendezvous/poll', { url: 'http://127.0.0.1:9', word: 'w' }],
  ['POST', '/rendezvous/leave', { url: 'http://127.0.0.1:9', word: 'w' }],
  ['GET', '/diagnostics/traces'], ['GET', '/diagnostics/rendezvous'], ['GET', '/diagnostics/rooms'],
  ['POST', '/connect', { ipv4: '127.0.0.1:9', ipv6: null, rendezvous_url: 'http://127.0.0.1:9' }],
  ['POST', '/connect/request', { rendezvous_url: 'http://127.0.0.1:9', word: 'w', to_peer_id: 'p' }],
  ['POST', '/connect/accept', { rendezvous_url: 'http://127.0.0.1:9', word: 'w', nonce: 'n', from_peer_id: 'p', punch_at_ms: 0 }],
  ['POST', '/connect/parked', { master_pubkey: PEER, peer_v6_ip: '::1' }], ['GET', '/connect/parked/status'],
  ['POST', '/media/preview', { name: 'a.png', data_base64: '' }], ['GET', '/media'],
  ['GET', '/self/messages'], ['POST', '/self/messages', { body: 'hi' }], ['POST', `/self/messages/${MSG}/read`],
  ['POST', '/self/files', { name: 'a.txt', data_base64: 'aGk=' }],
  ['GET', `/friends/${PEER}/messages`], ['GET', '/sessions'],
  ['GET', `/sessions/${PEER}/messages`], ['POST', `/sessions/${PEER}/messages`, { body: 'hi' }],
  ['POST', `/sessions/${PEER}/messages/${MSG}/read`],
  ['POST', `/sessions/${PEER}/files`, { name: 'a.txt', data_base64: 'aGk=' }],
  ['POST', `/sessions/${PEER}/files/begin`, { name: 'a.txt', size: 2 }],
  ['POST', `/sessions/${PEER}/files/${TRANSFER}/chunk?idx=0`, 'hi'],
  ['POST', `/sessions/${PEER}/files/${TRANSFER}/commit`], ['POST', `/sessions/${PEER}/files/${TRANSFER}/pause`, { paused: true }],
  ['POST', `/sessions/${PEER}/files/${TRANSFER}/cancel`], ['GET', `/files/inbound/${TRANSFER}/stream?mime=video/webm`],
  ['POST', `/sessions/${PEER}/calls/start`, { with_video: false }], ['POST', `/sessions/${PEER}/calls/accept`, { stream_id: 1 }],
  ['POST', `/sessions/${PEER}/calls/reject`, { stream_id: 1 }], ['POST', `/sessions/${PEER}/calls/hangup`],
  ['POST', `/sessions/${PEER}/calls/mute`, { muted: true }], ['POST', `/sessions/${PEER}/calls/video/start`],
  ['POST', `/sessions/${PEER}/calls/video/stop`], ['POST', `/sessions/${PEER}/calls/video/mute`, { off: true }],
  ['DELETE', `/sessions/${PEER}`], ['DELETE', `/chat_messages/${MSG}`], ['POST', `/chat_messages/${MSG}`, { body: 'x' }],
  ['POST', '/pair/start', { rendezvous_url: 'http://127.0.0.1:9', label: 'B' }],
  ['POST', '/pair/wait', { rendezvous_url: 'http://127.0.0.1:9', code: '1-a-b-c-d', label: 'B' }],
  ['GET', '/friends'], ['DELETE', `/friends/${PEER}`], ['POST', `/friends/${PEER}`, { label: 'B' }],
  ['GET', '/accounts'], ['POST', '/accounts', { name: 'n' }], ['POST', '/accounts/0123456789abcdef/theme', { theme_slug: 'dark' }],
  ['GET', '/themes'], ['POST', '/themes', { name: 't', palette: {} }],
];

describe('the reference API table: protected rows answer 423 while locked, public rows do not', function () {
  this.timeout(120_000);
  let host: TestHost;

  before(async () => {
    host = await startTestHost({ name: 'Gate' });
  });
  after(async () => host?.close());

  const expectAllLocked = async (when: string) => {
    const open: string[] = [];
    for (const [method, path, body] of PROTECTED) {
      const answer = await host.call(method, path, body);
      if (answer.status !== 423 || answer.body?.error?.code !== 'KITH_ERR_LOCKED') open.push(`${method} ${path} → ${answer.status}`);
    }
    expect(open, `${when}: rows that did not answer 423`).to.deep.equal([]);
  };
  const expectPublicAnswers = async () => {
    for (const path of ['/health', '/identity/state', '/personas']) expect((await host.call('GET', path)).status, path).to.equal(200);
  };

  it(`answers all ${PROTECTED.length} protected rows with 423 before any persona exists`, async () => {
    await expectAllLocked('no persona');
    await expectPublicAnswers();
  });

  it('answers them again with 423 after a persona was unlocked and locked, and serves them while unlocked', async () => {
    await host.createPersona('Gate');
    expect((await host.call('GET', '/themes')).status).to.equal(200);
    expect((await host.call('GET', '/sessions')).status).to.equal(200);
    await host.lock();
    await expectAllLocked('after a lock');
    await expectPublicAnswers();
  });

  it('answers 423, not a revoked extension context, to a request that was running when Kith locked', async () => {
    await host.unlock(host.persona!);
    const rendezvous = await startTestRendezvous();
    try {
      const { code } = await host.request<{ code: string }>('POST', '/pair/start', { rendezvous_url: rendezvous.url });
      const waiting = host.call('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, timeout_ms: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await host.lock();
      const answer = await waiting;
      expect(answer.status, JSON.stringify(answer.body)).to.equal(423);
      expect(answer.body.error.code).to.equal('KITH_ERR_LOCKED');
    } finally {
      await rendezvous.close();
    }
  });
});
