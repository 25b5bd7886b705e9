import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { assemble } from '../../tools/package/assemble.js';
import { ROOT } from '../../tools/package/package-paths.js';

describe('package: native addons inside a single executable', function () {
  this.timeout(180_000);
  let base: string;
  let executable: string;

  before(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-addon-probe-'));
    executable = path.join(base, 'app', 'probe');
    fs.mkdirSync(path.dirname(executable));
    fs.mkdirSync(path.join(base, 'empty-bin'));
    fs.mkdirSync(path.join(base, 'tmp'));
    await assemble({
      root: ROOT,
      entry: path.join(ROOT, 'test/package/fixtures/addon-probe.ts'),
      output: executable,
      workDir: path.join(base, 'work'),
      extensions: [],
    });
    fs.rmSync(path.join(base, 'work'), { recursive: true, force: true });
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  const run = (env: Record<string, string> = {}) =>
    spawnSync(executable, [], {
      cwd: path.dirname(executable),
      env: { PATH: path.join(base, 'empty-bin'), TMPDIR: path.join(base, 'tmp'), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('loads better-sqlite3, argon2, cbor-extract and sodium-native from the embedded copies, with no node_modules and no node on PATH', () => {
    const result = run();
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stderr).to.equal(''); // no "only built-in modules" warning either
    const seen = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(seen.sqlite).to.match(/^3\.\d+\.\d+$/);
    expect(seen.argon2).to.equal(true);
    expect(seen.argonHashPrefix).to.equal('$argon2id$');
    expect(seen.cbor).to.equal(true);
    expect(seen.cborNative).to.equal(true);
    expect(seen.aead).to.equal(true);
  });

  it('writes each addon once, under a content-hashed name in a private cache folder, and reuses it', () => {
    const cacheName = fs.readdirSync(path.join(base, 'tmp')).find((d) => d.startsWith('kith-cache-'))!;
    const cache = path.join(base, 'tmp', cacheName);
    expect((fs.statSync(cache).mode & 0o777).toString(8)).to.equal('700');
    const files = fs.readdirSync(cache).sort();
    expect(files).to.have.length(4);
    for (const f of files) expect(f).to.match(/^[0-9a-f]{16}-.+\.node$/);
    const before = files.map((f) => fs.statSync(path.join(cache, f)).mtimeMs);
    expect(run().status).to.equal(0);
    expect(files.map((f) => fs.statSync(path.join(cache, f)).mtimeMs)).to.deep.equal(before);
  });

  it('replaces a damaged cached addon instead of loading it', () => {
    const cache = path.join(base, 'tmp', fs.readdirSync(path.join(base, 'tmp')).find((d) => d.startsWith('kith-cache-'))!);
    const sqliteFile = fs.readdirSync(cache).find((f) => f.endsWith('better_sqlite3.node'))!;
    fs.writeFileSync(path.join(cache, sqliteFile), 'not an ELF file');
    const result = run();
    expect(result.status, result.stderr).to.equal(0);
    expect(fs.statSync(path.join(cache, sqliteFile)).size).to.be.greaterThan(100_000);
  });

  it('refuses a cache folder that other users can write to, and says so when no other place works', () => {
    const cache = path.join(base, 'tmp', fs.readdirSync(path.join(base, 'tmp')).find((d) => d.startsWith('kith-cache-'))!);
    const unusable = path.join(base, 'not-a-folder');
    fs.writeFileSync(unusable, '');
    fs.chmodSync(cache, 0o777);
    try {
      const result = run({ KITH_DATA: unusable });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.contain('is not a private folder of this user');
      expect(result.stderr).to.contain(path.join(unusable, 'cache'));
    } finally {
      fs.chmodSync(cache, 0o700);
    }
  });

  it('falls back to cache/ in the data dir when the temp dir cannot be used (e.g. mounted noexec)', () => {
    const dataDir = path.join(base, 'data');
    const result = run({ TMPDIR: path.join(base, 'not-a-folder'), KITH_DATA: dataDir });
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).sqlite).to.match(/^3\./);
    const cache = fs.readdirSync(path.join(dataDir, 'cache')).find((d) => d.startsWith('kith-cache-'))!;
    expect(fs.readdirSync(path.join(dataDir, 'cache', cache)).some((f) => f.endsWith('better_sqlite3.node'))).to.equal(true);
  });
});
