import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { expect } from 'chai';
import { openDatabase } from '../../src/storage/database.js';
import { refusal } from '../support/refusal.js';

const DATABASE_MODULE = fileURLToPath(new URL('../../src/storage/database.ts', import.meta.url));

/**
 * One Kith per data dir (storage/data-dir-lock.ts): a second opening of the same folder is refused
 * with a clear error, in this process and from another, while the database stays readable to
 * other programs; the lock goes when its holder closes or is killed, with nothing left to clean.
 */
describe('storage: one Kith per data dir', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts a damaged lock file afresh (it holds nothing), keeps the database, and still refuses a second opening', async () => {
    const first = await openDatabase(dir);
    first.sqlite.exec('CREATE TABLE probe (n INTEGER); INSERT INTO probe VALUES (7)');
    await first.close();
    const database = fs.readFileSync(path.join(dir, 'kith.sqlite'));
    fs.writeFileSync(path.join(dir, 'kith.lock'), Buffer.alloc(8192, 0x5a));
    const again = await openDatabase(dir);
    expect(again.sqlite.prepare('SELECT n FROM probe').pluck().get()).to.equal(7);
    expect((await refusal(openDatabase(dir)))?.code).to.equal('KITH_ERR_CONFLICT');
    await again.close();
    expect(fs.readFileSync(path.join(dir, 'kith.sqlite')).subarray(0, 100).equals(database.subarray(0, 100))).to.equal(true);
  });

  it('refuses a second opening while the first is open, lets other programs read, and opens again after close', async () => {
    const first = await openDatabase(dir);
    first.sqlite.exec('CREATE TABLE probe (n INTEGER); INSERT INTO probe VALUES (7)');
    const second = await refusal(openDatabase(dir));
    expect(second?.code).to.equal('KITH_ERR_CONFLICT');
    expect(second?.message).to.contain(`Another Kith is already running with the data folder ${dir}`);
    // A backup tool or sqlite3 shell still reads the database beside the running host.
    const reader = new Sqlite(path.join(dir, 'kith.sqlite'), { readonly: true });
    expect(reader.prepare('SELECT n FROM probe').pluck().get()).to.equal(7);
    reader.close();
    await first.close();
    const again = await openDatabase(dir);
    expect(again.sqlite.prepare('SELECT n FROM probe').pluck().get()).to.equal(7);
    await again.close();
  });

  it('is held by another process until it is killed with SIGKILL, then free at once', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
      await openDatabase(${JSON.stringify(dir)});
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
      });
      expect((await refusal(openDatabase(dir)))?.code).to.equal('KITH_ERR_CONFLICT');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve(undefined) : holder.once('exit', resolve)));
    }
    const after = await openDatabase(dir);
    await after.close();
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('kith.lock'))).to.deep.equal(['kith.lock']);
  });
});
