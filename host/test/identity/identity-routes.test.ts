import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { generatePersonaMnemonic } from '../../src/identity/mnemonic.js';

interface Json { [key: string]: any }

describe('identity routes over HTTP', function () {
  this.timeout(60_000);
  let host: RunningHost;
  let dataDir: string;
  let anaMnemonic: string;

  const call = async (method: string, route: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await host.fetch(route, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {} };
  };
  const expectError = (r: { status: number; json: Json }, status: number, code: string) => {
    expect(r.status, JSON.stringify(r.json)).to.equal(status);
    expect(r.json.error.code).to.equal(code);
  };

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-identity-http-'));
    host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent') });
  });
  after(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts locked with no personas; protected routes answer 423', async () => {
    const state = await call('GET', '/api/identity/state');
    expect(state.status).to.equal(200);
    expect(state.json).to.deep.equal({ locked: true, active_slug: null, personas: [] });
    expect((await call('GET', '/api/personas')).json).to.deep.equal([]);
    expectError(await call('GET', '/api/friends'), 423, 'KITH_ERR_LOCKED');
  });

  it('POST /api/personas creates, unlocks and activates a persona and returns the mnemonic once', async () => {
    const created = await call('POST', '/api/personas', { label: 'Ana Lima', passphrase: 'ana-pass-1' });
    expect(created.status).to.equal(201);
    expect(created.json.slug).to.equal('ana-lima');
    expect(created.json.label).to.equal('Ana Lima');
    expect(created.json.master_pubkey).to.match(/^[0-9a-f]{64}$/);
    expect(created.json.peer_id).to.match(/^[0-9a-f]{32}$/);
    expect(created.json.is_active).to.equal(true);
    expect(created.json.mnemonic.split(' ')).to.have.length(24);
    anaMnemonic = created.json.mnemonic;
    const listed = await call('GET', '/api/personas');
    expect(listed.json).to.have.length(1);
    expect(listed.json[0]).to.not.have.property('mnemonic');
    expect(listed.json[0]).to.include({ slug: 'ana-lima', label: 'Ana Lima', master_pubkey: created.json.master_pubkey, peer_id: created.json.peer_id, is_active: true });
    const state = await call('GET', '/api/identity/state');
    expect(state.json).to.include({ locked: false, active_slug: 'ana-lima' });
    expect(host.areas.identity.gate.active?.info.slug).to.equal('ana-lima');
    expect(fs.readFileSync(path.join(dataDir, 'active.txt'), 'utf8').trim()).to.equal('ana-lima');
    const profile = JSON.parse(fs.readFileSync(path.join(dataDir, 'identities', 'ana-lima', 'profile.json'), 'utf8'));
    expect(profile.peer_id).to.equal(created.json.peer_id);
    const vault = fs.readFileSync(path.join(dataDir, 'identities', 'ana-lima', 'identity.enc'));
    expect(vault.toString('latin1')).to.not.contain(anaMnemonic.split(' ')[0] + ' ');
    expect((await call('GET', '/api/friends')).status).to.not.equal(423);
  });

  it('validates create bodies: 400 on bad shape, 409 on a taken slug, 413 on a huge body', async () => {
    expectError(await call('POST', '/api/personas', { label: 'x' }), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas', { label: 'x', passphrase: 'p', extra: 1 }), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas', { label: 'x', passphrase: '' }), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas', { slug: 'Bad Slug!', label: 'x', passphrase: 'p' }), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas', '{not json'), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas', { slug: 'ana-lima', label: 'Other', passphrase: 'p' }), 409, 'KITH_ERR_CONFLICT');
    expectError(await call('POST', '/api/personas', { label: 'x', passphrase: 'p'.repeat(20_000) }), 413, 'KITH_ERR_PAYLOAD_TOO_LARGE');
  });

  it('lock drops every persona (keys zeroed); unlock answers 401 on a wrong passphrase, 404 on an unknown slug', async () => {
    const persona = host.areas.identity.registry.active!;
    const events: unknown[] = [];
    const sub = host.areas.identity.gate.onDidChangeActive((p) => events.push(p));
    const locked = await call('POST', '/api/identity/lock');
    sub.dispose();
    expect(locked.status).to.equal(200);
    expect(locked.json).to.include({ locked: true, active_slug: 'ana-lima' });
    // The persona selected last is still the selected one in the rows, as active_slug says.
    expect(locked.json.personas.map((p: { slug: string; is_active: boolean; is_unlocked: boolean }) => [p.slug, p.is_active, p.is_unlocked])).to.deep.equal([['ana-lima', true, false]]);
    expect(events).to.deep.equal([undefined]);
    expect(host.areas.identity.gate.active).to.equal(undefined);
    expect(persona.wiped).to.equal(true);
    expect(() => persona.atRestKey).to.throw(/locked/);
    expectError(await call('GET', '/api/friends'), 423, 'KITH_ERR_LOCKED');

    expectError(await call('POST', '/api/identity/unlock', { slug: 'ana-lima', passphrase: 'wrong' }), 401, 'KITH_ERR_WRONG_PASSPHRASE');
    expectError(await call('POST', '/api/identity/unlock', { slug: 'nobody', passphrase: 'x' }), 404, 'KITH_ERR_NOT_FOUND');
    expectError(await call('POST', '/api/identity/unlock', { slug: 'ana-lima' }), 400, 'KITH_ERR_BAD_REQUEST');
    const unlocked = await call('POST', '/api/identity/unlock', { slug: 'ana-lima', passphrase: 'ana-pass-1' });
    expect(unlocked.status).to.equal(200);
    expect(unlocked.json).to.include({ locked: false, active_slug: 'ana-lima' });
  });

  it('several personas may be unlocked; select switches among unlocked ones and answers 423 for a locked one', async () => {
    const bo = await call('POST', '/api/personas', { slug: 'bo', label: 'Bo', passphrase: 'bo-pass' });
    expect(bo.status).to.equal(201);
    expect((await call('GET', '/api/identity/state')).json.active_slug).to.equal('bo');
    const selected = await call('POST', '/api/personas/select', { slug: 'ana-lima' });
    expect(selected.status).to.equal(200);
    expect(selected.json.active_slug).to.equal('ana-lima');
    const rows = (await call('GET', '/api/personas')).json as Json[];
    expect(rows.map((r) => [r.slug, r.is_active, r.is_unlocked])).to.deep.equal([['ana-lima', true, true], ['bo', false, true]]);
    expectError(await call('POST', '/api/personas/select', { slug: 'ghost' }), 404, 'KITH_ERR_NOT_FOUND');
    await call('POST', '/api/identity/lock');
    expectError(await call('POST', '/api/personas/select', { slug: 'bo' }), 423, 'KITH_ERR_LOCKED');
    // unlock without set_active activates when nothing is active; with set_active:false it does not switch
    await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-pass' });
    const both = await call('POST', '/api/identity/unlock', { slug: 'ana-lima', passphrase: 'ana-pass-1', set_active: false });
    expect(both.json.active_slug).to.equal('bo');
    const switched = await call('POST', '/api/identity/unlock', { slug: 'ana-lima', passphrase: 'ana-pass-1', set_active: true });
    expect(switched.json.active_slug).to.equal('ana-lima');
  });

  it('restore: 400 on a malformed mnemonic, 409 for an existing persona, 201 for a new one (same keys as before)', async () => {
    expectError(await call('POST', '/api/personas/restore', { label: 'R', passphrase: 'p', mnemonic: 'abandon abandon' }), 400, 'KITH_ERR_BAD_MNEMONIC');
    const badChecksum = [...anaMnemonic.split(' ').slice(0, 23), anaMnemonic.split(' ')[0] === 'zoo' ? 'abandon' : 'zoo'].join(' ');
    const r = await call('POST', '/api/personas/restore', { label: 'R', passphrase: 'p', mnemonic: badChecksum });
    if (r.status !== 409) expectError(r, 400, 'KITH_ERR_BAD_MNEMONIC'); // 1 in 256 such edits is still a valid phrase
    expectError(await call('POST', '/api/personas/restore', { label: 'Again', passphrase: 'p', mnemonic: anaMnemonic }), 409, 'KITH_ERR_CONFLICT');
    const phrase = generatePersonaMnemonic();
    const restored = await call('POST', '/api/personas/restore', { label: 'Cy', passphrase: 'cy-pass', mnemonic: phrase.toUpperCase() });
    expect(restored.status).to.equal(201);
    expect(restored.json).to.not.have.property('mnemonic');
    expect(restored.json.slug).to.equal('cy');
    expect(restored.json.is_active).to.equal(true);
    // the same mnemonic in another data dir gives the same master key
    const again = await host.areas.identity.registry.restore({ label: 'Cy2', passphrase: 'x', mnemonic: phrase }).catch((e) => e);
    expect(again.code).to.equal('KITH_ERR_CONFLICT');
  });

  it('POST /api/personas/:slug/mnemonic shows the recovery words again for the right passphrase only, locked or not', async () => {
    expectError(await call('POST', '/api/personas/ana-lima/mnemonic', { passphrase: 'nope' }), 401, 'KITH_ERR_WRONG_PASSPHRASE');
    expectError(await call('POST', '/api/personas/ana-lima/mnemonic', {}), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas/ghost/mnemonic', { passphrase: 'x' }), 404, 'KITH_ERR_NOT_FOUND');
    await call('POST', '/api/identity/lock');
    const res = await host.fetch('/api/personas/ana-lima/mnemonic', { method: 'POST', body: JSON.stringify({ passphrase: 'ana-pass-1' }) });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(((await res.json()) as Json).mnemonic).to.equal(anaMnemonic);
  });

  it('POST /api/personas/:slug/passphrase re-seals the vault; the old passphrase stops working', async () => {
    expectError(await call('POST', '/api/personas/bo/passphrase', { old_passphrase: 'nope', new_passphrase: 'bo-new' }), 401, 'KITH_ERR_WRONG_PASSPHRASE');
    expectError(await call('POST', '/api/personas/bo/passphrase', { old_passphrase: 'bo-pass' }), 400, 'KITH_ERR_BAD_REQUEST');
    expectError(await call('POST', '/api/personas/ghost/passphrase', { old_passphrase: 'a', new_passphrase: 'b' }), 404, 'KITH_ERR_NOT_FOUND');
    const changed = await call('POST', '/api/personas/bo/passphrase', { old_passphrase: 'bo-pass', new_passphrase: 'bo-new' });
    expect(changed.status).to.equal(204);
    await call('POST', '/api/identity/lock');
    expectError(await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-pass' }), 401, 'KITH_ERR_WRONG_PASSPHRASE');
    expect((await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-new' })).status).to.equal(200);
  });

  it('a damaged vault answers 422 KITH_ERR_VAULT_CORRUPT and is left byte-for-byte untouched', async () => {
    await call('POST', '/api/identity/lock');
    const file = path.join(dataDir, 'identities', 'bo', 'identity.enc');
    const original = fs.readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[original.length - 40]! ^= 0x01;
    fs.writeFileSync(file, flipped);
    expectError(await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-new' }), 422, 'KITH_ERR_VAULT_CORRUPT');
    expect(fs.readFileSync(file).equals(flipped)).to.equal(true);
    fs.writeFileSync(file, original.subarray(0, 50));
    expectError(await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-new' }), 422, 'KITH_ERR_VAULT_CORRUPT');
    expectError(await call('POST', '/api/personas/bo/passphrase', { old_passphrase: 'bo-new', new_passphrase: 'x' }), 422, 'KITH_ERR_VAULT_CORRUPT');
    expect(fs.readFileSync(file).equals(original.subarray(0, 50))).to.equal(true);
    fs.writeFileSync(file, original);
    expect((await call('POST', '/api/identity/unlock', { slug: 'bo', passphrase: 'bo-new' })).status).to.equal(200);
  });

  it('lock accepts no body fields', async () => {
    expectError(await call('POST', '/api/identity/lock', { slug: 'bo' }), 400, 'KITH_ERR_BAD_REQUEST');
  });
});
