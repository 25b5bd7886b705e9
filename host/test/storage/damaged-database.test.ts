import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { expect } from 'chai';
import { openDatabase } from '../../src/storage/database.js';
import { refusal } from '../support/refusal.js';
import { toKithError } from '../../src/gateway/http-errors.js';
import { storageError } from '../../src/storage/host-storage-channel.js';
import type { KithError } from '@kith/sdk';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The database's second page (the first after the header and schema: the first table the host
 * made) overwritten with noise: what a bad disk leaves, found only when that table is read.
 */
function damagePages(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  const pageSize = bytes.readUInt16BE(16);
  randomBytes(pageSize).copy(bytes, pageSize);
  fs.writeFileSync(file, bytes);
  return bytes;
}

/** Run the program on `dataDir` until it stops (it should, at once). */
function startKith(dataDir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'host/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, KITH_DATA: dataDir, KITH_PORT: '0', KITH_NO_BROWSER: '1', KITH_LAN_PORT: 'off', KITH_LOG: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/**
 * A database whose header is fine but whose pages are damaged: the start says so in a sentence
 * (not "a migration failed" and a stack), leaves the file as it was, and a damage found later,
 * while serving, answers with what is wrong.
 */
describe('storage: a damaged database', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let damaged: Buffer;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-damaged-'));
    await (await openDatabase(dir)).close();
    file = path.join(dir, 'kith.sqlite');
    for (const side of ['-wal', '-shm']) fs.rmSync(`${file}${side}`, { force: true });
    damaged = damagePages(file);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is refused at open with SQLite\'s own code, and left untouched', async () => {
    const error = await refusal(openDatabase(dir));
    expect(error?.code).to.match(/^SQLITE_(CORRUPT|NOTADB)/);
    expect(fs.readFileSync(file).equals(damaged), 'the damaged file is untouched').to.equal(true);
  });

  it('stops the program with a sentence naming the file, no stack trace', () => {
    const run = startKith(dir);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(`The database ${file} is damaged`).and.to.contain('Kith left it as it is');
    expect(run.stderr).not.to.match(/^\s+at /m);
    expect(fs.readFileSync(file).equals(damaged), 'the damaged file is untouched').to.equal(true);
  });

  it('stops the program with a sentence naming the path when the database is a folder, no stack trace', () => {
    fs.rmSync(file);
    fs.mkdirSync(file);
    const run = startKith(dir);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(`Kith cannot use ${file} (EISDIR`).and.to.contain('It left it as it is');
    expect(run.stderr).not.to.match(/^\s+at /m);
    expect(fs.statSync(file).isDirectory()).to.equal(true);
  });

  it('answers a request that meets the damage with a 500 that says the database is damaged', () => {
    const sqlite = new Sqlite(file, { readonly: true });
    let thrown: unknown;
    try {
      // Read every table until one meets the damaged page, as a route would.
      const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      for (const table of tables) sqlite.prepare(`SELECT * FROM "${table}"`).all();
    } catch (error) {
      thrown = error;
    } finally {
      sqlite.close();
    }
    expect((thrown as { code?: string })?.code).to.match(/^SQLITE_CORRUPT/);
    const answer = toKithError(thrown);
    expect(answer.status).to.equal(500);
    expect(answer.message).to.match(/database .* is damaged/);
  });
});

/**
 * A database cut to 0 bytes (a crash, a full disk or a bad copy can leave one): SQLite would open
 * it as a new, empty database and delete the log beside it. Beside data it cannot be new, so the
 * start refuses it like any damaged file and changes nothing (an outside tester's finding: every
 * friend and message of every persona was gone, in silence).
 */
describe('storage: a database cut to 0 bytes', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-emptied-'));
    file = path.join(dir, 'kith.sqlite');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A real log, as a database killed before a checkpoint leaves it: its bytes. */
  async function leaveLog(): Promise<Buffer> {
    const database = await openDatabase(dir);
    database.sqlite.pragma('wal_autocheckpoint = 0');
    database.sqlite.exec("CREATE TABLE kept (x); INSERT INTO kept VALUES ('hello')");
    const wal = fs.readFileSync(`${file}-wal`);
    await database.close();
    fs.writeFileSync(`${file}-wal`, wal);
    return wal;
  }

  it('is refused when its log holds data, and the log is left as it was', async () => {
    const wal = await leaveLog();
    fs.truncateSync(file, 0);
    const error = await refusal(openDatabase(dir));
    expect(error?.code).to.equal('SQLITE_NOTADB');
    expect(error?.message).to.equal(`the file is empty (0 bytes) while its log kith.sqlite-wal holds ${wal.length} bytes`);
    expect(fs.statSync(file).size).to.equal(0);
    expect(fs.readFileSync(`${file}-wal`).equals(wal), 'the log is untouched').to.equal(true);
  });

  it('stops the program with the damaged-database sentence when personas exist', () => {
    fs.mkdirSync(path.join(dir, 'identities', 'alice'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'identities', 'alice', 'identity.enc'), randomBytes(200));
    fs.writeFileSync(file, '');
    const run = startKith(dir);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(`The database ${file} is damaged (the file is empty (0 bytes) while 1 persona(s) exist in identities/)`);
    expect(run.stderr).not.to.match(/^\s+at /m);
    expect(fs.statSync(file).size).to.equal(0);
  });

  it('is refused when the file is gone but its log holds data, and the log is left as it was', async () => {
    const wal = await leaveLog();
    fs.rmSync(file);
    const error = await refusal(openDatabase(dir));
    expect(error?.code).to.equal('SQLITE_NOTADB');
    expect(error?.message).to.equal(`the file is missing while its log kith.sqlite-wal holds ${wal.length} bytes`);
    expect(fs.existsSync(file)).to.equal(false);
    expect(fs.readFileSync(`${file}-wal`).equals(wal), 'the log is untouched').to.equal(true);
  });

  it('opens as a fresh database when nothing is beside it (a first start cut short)', async () => {
    fs.writeFileSync(file, '');
    const database = await openDatabase(dir);
    expect(fs.statSync(file).size).to.be.greaterThan(0);
    await database.close();
  });
});

/**
 * A damaged page met by an extension's storage call (the persona unlocked, the damage in one
 * extension's table) says the database is damaged, as a host route's answer does, rather than
 * that the extension's query was refused (an outside tester saw KITH_ERR_QUERY_REFUSED).
 */
describe('storage: a damaged page met through scoped storage', () => {
  it('is KITH_ERR_INTERNAL saying the database is damaged, with SQLite\'s code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-damaged-scoped-'));
    const file = path.join(dir, 'x.sqlite');
    try {
      const db = new Sqlite(file);
      db.exec(`CREATE TABLE ext_memo__notes (text TEXT); INSERT INTO ext_memo__notes VALUES ('${'x'.repeat(3000)}'), ('${'y'.repeat(3000)}')`);
      db.close();
      damagePages(file);
      let thrown: unknown;
      const reader = new Sqlite(file, { readonly: true });
      try {
        reader.prepare('SELECT * FROM ext_memo__notes').all();
      } catch (error) {
        thrown = error;
      } finally {
        reader.close();
      }
      const mapped = storageError(thrown, 'ext_memo__') as KithError;
      expect(mapped.code).to.equal('KITH_ERR_INTERNAL');
      expect(mapped.message).to.match(/^The database \(kith\.sqlite in the data folder\) is damaged/);
      expect(mapped.details?.sqlite).to.match(/^SQLITE_CORRUPT/);
      // Another SQLite error keeps its meaning.
      expect((storageError(Object.assign(new Error('no such table: ext_memo__x'), { code: 'SQLITE_ERROR' }), 'ext_memo__') as KithError).code).to.equal('KITH_ERR_QUERY_REFUSED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
