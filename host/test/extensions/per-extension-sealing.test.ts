/**
 * Issue #21: `ctx.sealing` seals under a key of its own per extension and persona. Data the
 * built-in chat sealed before (under the persona's shared at-rest key) still opens after the
 * upgrade, re-sealed once under chat's key; another extension cannot open chat's bytes, old or new.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { startInProcessHost, type InProcessHost } from './harness/in-process-host.js';
import { writeExtension } from './harness/extension-fixture.js';
import { extensionSealingKey, openText, sealText } from '../../src/storage/sealing.js';
import type { TestPersona } from '@kith/sdk/testing';

describe('extensions: per-extension sealing keys, with the legacy data re-sealed once', function () {
  this.timeout(120_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-reseal-'));
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-thief-'));
  let host: InProcessHost | undefined;
  let alice: TestPersona;
  let atRestKey: Uint8Array;
  let pk: string;
  const thief = writeExtension(source, 'thief', { id: 'thief', contributes: { routes: ['POST /thief/open', 'POST /thief/seal'] } }, `
export default { activate(ctx) {
  ctx.routes.post('/thief/open', (req) => { try { return { text: ctx.sealing.openText(req.body.sealed) }; } catch (e) { return { code: e.code }; } });
  ctx.routes.post('/thief/seal', (req) => ({ sealed: ctx.sealing.sealText(req.body.text) }));
} };`);
  const start = () => startInProcessHost({ name: 'alice', builtin: true, dataDir, extensions: [thief] });
  const chatBodies = () => {
    const db = new Sqlite(path.join(dataDir, 'kith.sqlite'));
    try {
      return db.prepare(`SELECT rowid AS r, body FROM ext_chat__messages WHERE persona = ?`).all(pk) as { r: number; body: string }[];
    } finally {
      db.close();
    }
  };

  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(source, { recursive: true, force: true });
  });

  it('seals chat\'s new rows under chat\'s own key, not the shared at-rest key', async () => {
    host = await start();
    alice = await host.createPersona('alice');
    pk = alice.key;
    atRestKey = Uint8Array.from(host.host.areas.identity.gate.active!.atRestKey);
    await host.request('POST', '/self/messages', { body: 'written before the upgrade' });
    const [row] = chatBodies();
    const chatKey = extensionSealingKey(atRestKey, 'chat');
    expect(openText(chatKey, row!.body)).to.equal('written before the upgrade');
    expect(() => openText(atRestKey, row!.body)).to.throw().with.property('code', 'KITH_ERR_SEAL_INVALID');
  });

  it('another extension cannot open chat\'s sealed bytes, and its own seals are not chat\'s', async () => {
    const [row] = chatBodies();
    expect(await host!.request('POST', '/thief/open', { sealed: row!.body })).to.deep.equal({ code: 'KITH_ERR_SEAL_INVALID' });
    const { sealed } = await host!.request<{ sealed: string }>('POST', '/thief/seal', { text: 'mine' });
    expect(() => openText(extensionSealingKey(atRestKey, 'chat'), sealed)).to.throw().with.property('code', 'KITH_ERR_SEAL_INVALID');
    expect(() => openText(atRestKey, sealed)).to.throw().with.property('code', 'KITH_ERR_SEAL_INVALID');
    expect(openText(extensionSealingKey(atRestKey, 'thief'), sealed)).to.equal('mine');
  });

  it('opens data sealed before the change (shared key) after a restart, and re-seals it once under chat\'s key', async () => {
    await host!.lock();
    await host!.close();
    host = undefined;
    // Put the database back the way a host before per-extension keys left it.
    const db = new Sqlite(path.join(dataDir, 'kith.sqlite'));
    const chatKey = extensionSealingKey(atRestKey, 'chat');
    for (const row of chatBodies()) {
      db.prepare(`UPDATE ext_chat__messages SET body = ? WHERE rowid = ?`).run(sealText(atRestKey, openText(chatKey, row.body)), row.r);
    }
    const legacyForThief = sealText(atRestKey, 'a legacy secret of chat');
    db.prepare(`DELETE FROM extension_settings WHERE setting_id = '@kith:sealing-per-extension'`).run();
    db.close();
    expect(openText(atRestKey, chatBodies()[0]!.body)).to.equal('written before the upgrade');

    host = await start();
    await host.unlock(alice);
    const { messages } = await host.request<{ messages: { body: string }[] }>('GET', '/self/messages');
    expect(messages.map((m) => m.body)).to.deep.equal(['written before the upgrade']);
    const [row] = chatBodies();
    expect(openText(chatKey, row!.body)).to.equal('written before the upgrade');
    expect(() => openText(atRestKey, row!.body), 'no longer under the shared key').to.throw();
    // The thief's own re-seal pass ran too: the shared key opens nothing for it either.
    expect(await host.request('POST', '/thief/open', { sealed: legacyForThief })).to.deep.equal({ code: 'KITH_ERR_SEAL_INVALID' });
  });
});
