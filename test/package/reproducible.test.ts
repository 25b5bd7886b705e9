import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { assemble } from '../../tools/package/assemble.js';
import { sha256File } from '../../tools/package/checksums.js';
import { ROOT } from '../../tools/package/package-paths.js';

/** Release checksums are only worth publishing if anyone can rebuild the same bytes. */
describe('package: reproducible builds', function () {
  this.timeout(240_000);
  let base: string;

  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-reproducible-'));
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  // The same output and work paths each time: like a release rebuilt from the same checkout folder.
  const build = (reproducible: boolean) =>
    assemble({
      root: ROOT,
      entry: path.join(ROOT, 'test/package/fixtures/addon-probe.ts'),
      output: path.join(base, 'probe'),
      workDir: path.join(base, 'work'),
      extensions: [],
      reproducible,
    }).then(() => sha256File(path.join(base, 'probe')));

  it('gives byte-identical executables for the same inputs with --reproducible', async () => {
    const first = await build(true);
    const second = await build(true);
    expect(second).to.equal(first);
  });
});
