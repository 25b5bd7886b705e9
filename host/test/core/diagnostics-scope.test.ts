/**
 * Diagnostics belong to one persona: connect traces name friends and their endpoints, so after a
 * persona switch (or a lock) a real host's `/api/diagnostics/*` logs show nothing of the persona
 * that was active before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';

describe('diagnostics: traces are scoped to the active persona', function () {
  this.timeout(60_000);
  let dataDir: string;
  let host: RunningHost;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-diag-scope-'));
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
      log: createLogger('silent'),
      extensions: { builtinDir: path.join(dataDir, 'no-extensions') },
    });
  });
  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const becomeActive = async (slug: string, create: boolean) => {
    if (create) expect((await call('POST', '/personas', { slug, label: slug, passphrase: `${slug} passphrase` })).status).to.equal(201);
    expect((await call('POST', '/identity/unlock', { slug, passphrase: `${slug} passphrase`, set_active: true })).status).to.equal(200);
  };
  const logs = async () => JSON.stringify([(await call('GET', '/diagnostics/traces')).body, (await call('GET', '/diagnostics/rendezvous')).body]);

  it('a second persona sees no trace of the first one\'s friends or endpoints', async () => {
    await becomeActive('first', true);
    const friend = randomBytes(32).toString('hex');
    await host.areas.identity.friends.save({ peer: friend, peerId: randomBytes(8).toString('hex'), label: 'Far friend', x25519PublicKey: randomBytes(32).toString('hex') });
    const endpoint = '127.0.0.1:9';
    const attempt = await call('POST', '/connect', { peer: friend, ipv4: endpoint });
    expect(attempt.status).to.be.greaterThanOrEqual(400); // nobody there, but the ladder ran and traced
    const firstView = await logs();
    expect(firstView).to.include(friend.slice(0, 16));

    await becomeActive('second', true);
    const secondView = await logs();
    expect(secondView).to.not.include(friend.slice(0, 16));
    expect(secondView).to.not.include(endpoint);
    expect((await call('GET', '/diagnostics/traces')).body.entries).to.deep.equal([]);

    // Cleared from memory, not just hidden: back on the first persona, the old attempt is gone too.
    await becomeActive('first', false);
    expect(await logs()).to.not.include(friend.slice(0, 16));
  });

  it('answers the locked state with 423, not with anyone\'s traces', async () => {
    expect((await call('POST', '/identity/lock')).status).to.be.lessThan(300);
    expect((await call('GET', '/diagnostics/traces')).status).to.equal(423);
  });
});
