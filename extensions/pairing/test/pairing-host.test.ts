/** Pairing routes against a real host, one persona (the two-host pairing runs in test/e2e). */
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer } from '../../../rendezvous/src/server/server.js';
import { decodeInvite } from '../src/invite-token.js';

describe('pairing extension on a real host', function () {
  this.timeout(60_000);
  let t: TestHost;

  async function call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await t.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    t = await startTestHost({ extensions: [], builtin: true });
    await t.createPersona('Alice');
  });
  after(() => t?.close());

  it('generates a code, or returns the canonical spelling of a typed one', async () => {
    const generated = await call('POST', '/pair/start', { rendezvous_url: 'http://127.0.0.1:9', label: 'Bob' });
    expect(generated.status).to.equal(200);
    expect(generated.body.code).to.match(/^[1-9][0-9]{0,2}(-[a-z]+){4}$/);
    expect(generated.body.code).to.equal([generated.body.nameplate, ...generated.body.words].join('-'));
    const typed = await call('POST', '/pair/start', { rendezvous_url: 'http://127.0.0.1:9', label: 'Bob', code: ' 7 Apple  RIVER zebra,clock' });
    expect(typed.body.code).to.equal('7-apple-river-zebra-clock');
  });

  it('refuses bad input with a clear error', async () => {
    const unknown = await call('POST', '/pair/start', { rendezvous_url: 'http://127.0.0.1:9', code: '7 apple river zebra clocks' });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.message).to.match(/"clocks" is not a pairing-code word/);
    const old = await call('POST', '/pair/start', { rendezvous_url: 'http://127.0.0.1:9', code: 'apple river zebra clock' });
    expect(old.status).to.equal(400);
    expect(old.body.error.message).to.match(/no number/);
    expect((await call('POST', '/pair/start', { rendezvous_url: 'ftp://x' })).status).to.equal(400);
    expect((await call('POST', '/pair/wait', { rendezvous_url: 'http://127.0.0.1:9' })).status).to.equal(400);
    expect((await call('POST', '/pair/wait', { rendezvous_url: 'http://127.0.0.1:9', code: '7 apple river zebra clock', timeout_ms: 5 })).status).to.equal(400);
    expect((await call('POST', '/pair/redeem', { token: 'hello' })).body.error.message).to.match(/not a Kith invite/);
    expect((await call('POST', '/friends/12345', { label: 'x' })).status).to.equal(404);
    expect((await call('DELETE', `/friends/${'ab'.repeat(32)}`)).status).to.equal(404);
  });

  it('creates invite tokens with a QR code that carry the rendezvous and a 12-word secret', async () => {
    const invite = await call('POST', '/pair/invite', { rendezvous_url: 'http://127.0.0.1:9/' });
    expect(invite.status).to.equal(200);
    expect(invite.body.qr_svg).to.match(/^<svg/);
    const decoded = decodeInvite(invite.body.token);
    expect(decoded.rendezvousUrl).to.equal('http://127.0.0.1:9');
    expect(decoded.code.canonical).to.equal(invite.body.code);
    expect(decoded.label).to.equal('Alice');
  });

  it('bounds how many pairings wait at once (each polls the rendezvous)', async () => {
    // A real rendezvous where nobody else shows up, so the four waits stay open.
    const rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    after(() => rendezvous.close());
    const url = rendezvous.url;
    const waits = ['1 apple river zebra clock', '2 banjo cloud zebra clock', '3 cedar delta zebra clock', '4 eagle falcon zebra clock'].map((code) =>
      call('POST', '/pair/wait', { rendezvous_url: url, code, timeout_ms: 3000 }));
    await new Promise((r) => setTimeout(r, 200));
    const fifth = await call('POST', '/pair/wait', { rendezvous_url: url, code: '5 garden hammer zebra clock', timeout_ms: 3000 });
    expect(fifth.status).to.equal(429);
    expect(fifth.body.error.code).to.equal('KITH_ERR_RATE_LIMITED');
    for (const answer of await Promise.all(waits)) expect(answer.body.error.code).to.equal('KITH_ERR_TIMEOUT');
    const again = await call('POST', '/pair/wait', { rendezvous_url: url, code: '5 garden hammer zebra clock', timeout_ms: 200 });
    expect(again.body.error.code).to.equal('KITH_ERR_TIMEOUT'); // room again once they ended
  });

  it('starts with no friends', async () => {
    expect((await call('GET', '/friends')).body).to.deep.equal([]);
  });
});
