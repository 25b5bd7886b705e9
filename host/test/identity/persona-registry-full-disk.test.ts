/**
 * Unlocking needs no room on the disk: on a full one the persona opens and becomes the active one
 * (so what is stored can be read), and only the note of which persona the locked page offers first
 * stays as it was. Before, the note's failed write left the persona unlocked but not active: no
 * extension ran, chat said it was turned off, and unlocking again changed nothing (an outside
 * tester's finding).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PersonaRegistry } from '../../src/identity/persona-registry.js';
import { needs } from '../../../test/support/needs.js';
import { mountSmallDisk, type SmallDisk } from '../../../test/support/small-disk.js';

const QUICK = { m: 1024, t: 1, p: 1 };

/** Write until the disk refuses: what is left is no room at all. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).to.equal('ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  // The last partial block too.
  try {
    for (;;) fs.appendFileSync(path.join(dir, 'filler'), Buffer.alloc(512));
  } catch {
    // full
  }
}

describe('identity/persona-registry on a full disk', function () {
  this.timeout(60_000);
  needs('tmpfs');
  let disk: SmallDisk;
  beforeEach(() => {
    disk = mountSmallDisk('kith-registry-full', 4);
  });
  afterEach(() => disk?.remove());

  it('unlocks and activates; the locked page keeps offering the persona chosen before', async () => {
    const registry = new PersonaRegistry(disk.dir, { kdf: QUICK });
    await registry.create({ slug: 'ana', label: 'Ana', passphrase: 'p' });
    await registry.create({ slug: 'bo', label: 'Bo', passphrase: 'q' });
    await registry.unlock('ana', 'p', true);
    registry.lock();
    const activeFile = path.join(disk.dir, 'active.txt');
    const offeredBefore = fs.readFileSync(activeFile, 'utf8');
    expect(offeredBefore).to.equal('ana\n');
    const changes: (string | undefined)[] = [];
    const subscription = registry.onDidChangeActive((persona) => changes.push(persona?.info.slug));
    fill(disk.dir);

    await registry.unlock('bo', 'q', true);
    expect(registry.active?.info.slug).to.equal('bo');
    expect(changes, 'the extensions are told').to.deep.equal(['bo']);
    expect(fs.readFileSync(activeFile, 'utf8')).to.equal(offeredBefore);

    // With room again, the next switch is remembered.
    fs.rmSync(path.join(disk.dir, 'filler'));
    registry.select('bo');
    await registry.unlock('ana', 'p', true);
    expect(registry.active?.info.slug).to.equal('ana');
    registry.select('bo');
    expect(fs.readFileSync(activeFile, 'utf8')).to.equal('bo\n');
    subscription.dispose();
    registry.dispose();
  });

  it('unlocks a persona whose profile is damaged, leaving its repair for an unlock with room', async () => {
    const registry = new PersonaRegistry(disk.dir, { kdf: QUICK });
    const { master_pubkey } = await registry.create({ slug: 'cy', label: 'Cy', passphrase: 'p' });
    registry.lock();
    const profile = path.join(disk.dir, 'identities', 'cy', 'profile.json');
    fs.writeFileSync(profile, '{ not json');
    fill(disk.dir);
    await registry.unlock('cy', 'p');
    expect(registry.active?.info.masterPublicKey).to.equal(master_pubkey);
    expect(fs.readFileSync(profile, 'utf8')).to.equal('{ not json');
    fs.rmSync(path.join(disk.dir, 'filler'));
    registry.lock();
    await registry.unlock('cy', 'p');
    expect(JSON.parse(fs.readFileSync(profile, 'utf8'))).to.include({ slug: 'cy', master_pubkey });
    registry.dispose();
  });
});
