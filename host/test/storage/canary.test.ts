import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { createExtensionStorage } from '../../src/storage/extension-storage.js';
import { sealText, openText } from '../../src/storage/sealing.js';

const MESSAGES: Record<string, Migration> = {
  '001': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('messages')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/** The raw bytes of the database file and its WAL, as an attacker with the disk would read them. */
function diskBytes(database: Database): { main: Buffer; wal: Buffer } {
  const wal = `${database.file}-wal`;
  return { main: fs.readFileSync(database.file), wal: fs.existsSync(wal) ? fs.readFileSync(wal) : Buffer.alloc(0) };
}

function contains(haystack: Buffer, needle: string): boolean {
  return haystack.includes(Buffer.from(needle, 'utf8'));
}

describe('storage canary: sealed bodies never reach the disk in clear, deleted ones are zeroed', () => {
  let dir: string;
  let database: Database;
  const key = new Uint8Array(randomBytes(32));
  const persona = 'f'.repeat(64);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-canary-'));
    database = await openDatabase(dir);
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the SQLite file and its WAL hold the sealed body, never the plaintext; after delete + checkpoint the page is zeros', async () => {
    expect(database.sqlite.pragma('secure_delete', { simple: true })).to.equal(1);
    expect(database.sqlite.pragma('journal_mode', { simple: true })).to.equal('wal');
    const storage = createExtensionStorage(database, 'canary', persona);
    await storage.migrate(MESSAGES);
    const canary = `CANARY-${randomBytes(12).toString('hex')}-the-eagle-lands-at-dawn`;
    const sealed = sealText(key, canary);
    const { id } = await storage.db.insertInto('messages').values({ body: sealed }).returning('id').executeTakeFirstOrThrow();

    // Before any checkpoint the row lives in the WAL.
    let disk = diskBytes(database);
    expect(contains(disk.wal, sealed), 'sealed body should be in the WAL (we are looking at the right bytes)').to.equal(true);
    expect(contains(disk.wal, canary)).to.equal(false);
    expect(contains(disk.main, canary)).to.equal(false);
    const row = await storage.db.selectFrom('messages').select('body').where('id', '=', id).executeTakeFirstOrThrow();
    expect(openText(key, row.body)).to.equal(canary);

    // After a checkpoint it lives in the main file.
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    disk = diskBytes(database);
    const at = disk.main.indexOf(Buffer.from(sealed, 'utf8'));
    expect(at, 'sealed body should be in the main file after checkpoint').to.be.greaterThan(-1);
    expect(contains(disk.main, canary)).to.equal(false);
    expect(disk.wal.length).to.equal(0);

    // Delete, checkpoint: the bytes that held the sealed body are now zeros, and nothing remains anywhere.
    await storage.db.deleteFrom('messages').where('id', '=', id).execute();
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    disk = diskBytes(database);
    const freed = disk.main.subarray(at, at + Buffer.byteLength(sealed));
    expect(freed.every((b) => b === 0), 'freed bytes are zeroed').to.equal(true);
    expect(contains(disk.main, sealed)).to.equal(false);
    expect(contains(disk.main, sealed.slice(13, 45))).to.equal(false);
    expect(contains(disk.main, canary)).to.equal(false);
    expect(contains(disk.wal, sealed)).to.equal(false);
  });

  it('control: without secure_delete the same delete leaves the body in the file (so the check above can fail)', async () => {
    const controlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-canary-control-'));
    const control = await openDatabase(controlDir);
    try {
      control.sqlite.pragma('secure_delete = OFF');
      const storage = createExtensionStorage(control, 'canary', persona);
      await storage.migrate(MESSAGES);
      const body = sealText(key, 'control body');
      // a second row keeps the page in use, as in a real chat table
      await storage.db.insertInto('messages').values([{ body }, { body: sealText(key, 'keeps the page') }]).execute();
      control.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      await storage.db.deleteFrom('messages').where('body', '=', body).execute();
      control.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      expect(contains(fs.readFileSync(control.file), body)).to.equal(true);
    } finally {
      await control.close();
      fs.rmSync(controlDir, { recursive: true, force: true });
    }
  });
});
