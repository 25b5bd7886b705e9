import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_VAULT_OPERATIONS, PersonaRegistry } from '../../src/identity/persona-registry.js';
import { readVaultFile } from '../../src/identity/vault.js';
import { generatePersonaMnemonic } from '../../src/identity/mnemonic.js';

const QUICK = { m: 1024, t: 1, p: 1 };

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('identity/persona-registry', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-registry-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('derives free slugs from labels', async () => {
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    expect((await registry.create({ label: '  Ana Lima ', passphrase: 'p' })).slug).to.equal('ana-lima');
    expect((await registry.create({ label: 'Ana  Lima!', passphrase: 'p' })).slug).to.equal('ana-lima-2');
    expect((await registry.create({ label: 'Zoë', passphrase: 'p' })).slug).to.equal('zoe');
    expect((await registry.create({ label: '😀', passphrase: 'p' })).slug).to.equal('persona');
    expect(registry.list().map((p) => p.label)).to.deep.equal(['Ana Lima', 'Ana  Lima!', 'Zoë', '😀']);
    registry.dispose();
  });

  it('raises old argon2 parameters when the passphrase changes (they live in the vault header)', async () => {
    const weak = new PersonaRegistry(dir, { kdf: QUICK });
    await weak.create({ slug: 'old', label: 'Old', passphrase: 'one' });
    weak.dispose();
    const file = path.join(dir, 'identities', 'old', 'identity.enc');
    expect((await readVaultFile(file, 'one')).kdf).to.deep.equal(QUICK);
    const current = new PersonaRegistry(dir);
    await current.unlock('old', 'one');
    await current.changePassphrase('old', 'one', 'two');
    expect((await readVaultFile(file, 'two')).kdf).to.deep.equal({ m: 65536, t: 3, p: 1 });
    current.dispose();
  });

  it('ignores a persona folder left half-created by a crash, and reuses its slug', async () => {
    fs.mkdirSync(path.join(dir, 'identities', 'ghost'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'identities', 'ghost', 'identity.enc'), 'partial');
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    expect(registry.list()).to.deep.equal([]);
    expect((await registry.create({ slug: 'ghost', label: 'Ghost', passphrase: 'p' })).slug).to.equal('ghost');
    registry.lock();
    await registry.unlock('ghost', 'p');
    expect(registry.active?.info.label).to.equal('Ghost');
    registry.dispose();
  });

  it('keeps listing a persona whose profile.json is damaged or missing, never reuses its folder, and repairs the profile at unlock', async () => {
    const first = new PersonaRegistry(dir, { kdf: QUICK });
    const made = await first.create({ slug: 'kept', label: 'Kept', passphrase: 'p' });
    first.dispose();
    const profileFile = path.join(dir, 'identities', 'kept', 'profile.json');
    // Damaged text, an empty file, and no file at all (undefined) beside the whole vault.
    for (const damage of ['{not json', '', undefined]) {
      if (damage === undefined) fs.rmSync(profileFile);
      else fs.writeFileSync(profileFile, damage);
      const registry = new PersonaRegistry(dir, { kdf: QUICK });
      expect(registry.list()).to.deep.equal([{ slug: 'kept', label: 'kept', master_pubkey: '', peer_id: '', is_active: true, is_unlocked: false, profile_damaged: true }]);
      // A new persona asking for that slug would overwrite the vault: refused.
      expect(await code(registry.create({ slug: 'kept', label: 'Other', passphrase: 'q' }))).to.equal('KITH_ERR_CONFLICT');
      expect(await code(registry.unlock('kept', 'wrong'))).to.equal('KITH_ERR_WRONG_PASSPHRASE');
      await registry.unlock('kept', 'p');
      // The keys came back from the vault; the peer id, which only the profile held, is new.
      expect(registry.active?.info.masterPublicKey).to.equal(made.master_pubkey);
      expect(registry.list()[0]).to.include({ slug: 'kept', master_pubkey: made.master_pubkey, is_unlocked: true });
      expect(registry.list()[0]!.peer_id).to.match(/^[0-9a-f]{32}$/);
      expect(JSON.parse(fs.readFileSync(profileFile, 'utf8'))).to.include({ slug: 'kept', master_pubkey: made.master_pubkey }).and.not.have.property('damaged');
      registry.dispose();
    }
  });

  it('lists a persona whose vault is gone, refuses to unlock it, and takes it back from its own words only', async () => {
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    const { mnemonic, master_pubkey } = await registry.create({ slug: 'lost', label: 'Lost One', passphrase: 'p' });
    const other = await registry.create({ slug: 'kept', label: 'Kept', passphrase: 'q' });
    registry.lock();
    fs.rmSync(path.join(dir, 'identities', 'lost', 'identity.enc'));
    // Listed, by its name and key, so its owner knows which identity to restore.
    expect(registry.list().find((p) => p.slug === 'lost')).to.deep.include({ label: 'Lost One', master_pubkey, vault_missing: true });
    let refused: unknown;
    await registry.unlock('lost', 'p').catch((error: unknown) => (refused = error));
    expect(refused).to.deep.include({ code: 'KITH_ERR_VAULT_CORRUPT' });
    expect((refused as Error).message).to.contain('identities/lost/identity.enc').and.to.contain('24 words');
    // Not from other words (ones of no persona here), not under another name.
    expect(await code(registry.restore({ slug: 'lost', label: 'Thief', passphrase: 'x', mnemonic: generatePersonaMnemonic() }))).to.equal('KITH_ERR_CONFLICT');
    expect(registry.list().find((p) => p.slug === 'lost')).to.deep.include({ label: 'Lost One', master_pubkey, vault_missing: true });
    expect(other.slug).to.equal('kept');
    expect(await code(registry.restore({ slug: 'elsewhere', label: 'Lost One', passphrase: 'x', mnemonic }))).to.equal('KITH_ERR_CONFLICT');
    // From its own words it comes back under its own name, with its key, and unlocks.
    const back = await registry.restore({ label: 'Lost One', passphrase: 'new', mnemonic });
    expect(back).to.deep.include({ slug: 'lost', master_pubkey });
    expect(registry.list().find((p) => p.slug === 'lost')?.vault_missing).to.equal(undefined);
    registry.lock();
    await registry.unlock('lost', 'new');
    expect(registry.active?.info.slug).to.equal('lost');
    registry.dispose();
  });

  it('restores one mnemonic once, also when several restores of it under different slugs run at once', async () => {
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    const { mnemonic, master_pubkey } = await registry.create({ slug: 'donor', label: 'Donor', passphrase: 'p' });
    // Away from this registry: a second data folder restores the donor's words three times at once.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-registry-'));
    try {
      const target = new PersonaRegistry(other, { kdf: QUICK });
      const attempts = await Promise.allSettled(['r1', 'r2', 'r3'].map((slug) => target.restore({ slug, label: slug, passphrase: slug, mnemonic })));
      expect(attempts.filter((a) => a.status === 'fulfilled')).to.have.length(1);
      for (const refused of attempts.filter((a) => a.status === 'rejected')) expect((refused as PromiseRejectedResult).reason.code).to.equal('KITH_ERR_CONFLICT');
      expect(target.list().map((p) => p.master_pubkey)).to.deep.equal([master_pubkey]);
      // Once written, the sequential check answers as before; in another folder a refused attempt leaves the key free.
      expect(await code(target.restore({ slug: 'r4', label: 'r4', passphrase: 'x', mnemonic }))).to.equal('KITH_ERR_CONFLICT');
      target.dispose();
      const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-registry-'));
      const third = new PersonaRegistry(fresh, { kdf: QUICK });
      expect(await code(third.restore({ slug: 'BAD SLUG', label: 'x', passphrase: 'x', mnemonic }))).to.equal('KITH_ERR_BAD_REQUEST');
      expect((await third.restore({ slug: 'ok', label: 'ok', passphrase: 'x', mnemonic })).master_pubkey).to.equal(master_pubkey);
      third.dispose();
      fs.rmSync(fresh, { recursive: true, force: true });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
      registry.dispose();
    }
  });

  it('a lock wins over an unlock or a new persona still under way', async () => {
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    await registry.create({ slug: 'held', label: 'Held', passphrase: 'p' });
    registry.lock();
    const unlocking = registry.unlock('held', 'p');
    registry.lock(); // while the vault is being opened
    const refused = await unlocking.catch((error) => error);
    expect([refused.code, refused.details?.reason]).to.deep.equal(['KITH_ERR_CONFLICT', 'locked-meanwhile']);
    expect(registry.state()).to.include({ locked: true });
    expect(registry.list()[0]).to.include({ slug: 'held', is_unlocked: false });
    // A persona created across a lock exists (its mnemonic answered once) but stays locked.
    const creating = registry.create({ slug: 'fresh', label: 'Fresh', passphrase: 'q' });
    registry.lock();
    const made = await creating;
    expect(made.mnemonic.split(' ')).to.have.length(24);
    expect(made.is_unlocked).to.equal(false);
    expect(registry.state()).to.include({ locked: true });
    // Nothing is stuck: both open normally now.
    await registry.unlock('held', 'p');
    await registry.unlock('fresh', 'q');
    expect(registry.list().every((p) => p.is_unlocked)).to.equal(true);
    registry.dispose();
  });

  it('serialises vault writes per persona and answers 429 beyond MAX_VAULT_OPERATIONS pending', async () => {
    const registry = new PersonaRegistry(dir, { kdf: QUICK });
    await registry.create({ slug: 'busy', label: 'Busy', passphrase: 'a' });
    // Alternating changes queued at once: serialised, so each sees the previous one's result.
    await Promise.all([registry.changePassphrase('busy', 'a', 'b'), registry.changePassphrase('busy', 'b', 'c')]);
    registry.lock();
    expect(await code(registry.unlock('busy', 'b'))).to.equal('KITH_ERR_WRONG_PASSPHRASE');
    const attempts = await Promise.all(Array.from({ length: 20 }, () => code(registry.unlock('busy', 'wrong'))));
    // Up to the bound they queue and are answered 401; the rest are turned away at once.
    expect(attempts.filter((c) => c === 'KITH_ERR_WRONG_PASSPHRASE')).to.have.length(MAX_VAULT_OPERATIONS);
    expect(attempts.filter((c) => c === 'KITH_ERR_RATE_LIMITED')).to.have.length(20 - MAX_VAULT_OPERATIONS);
    expect(await code(registry.unlock('busy', 'c'))).to.equal(undefined);
    registry.dispose();
  });
});
