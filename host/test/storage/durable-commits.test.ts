/**
 * Every SQLite commit reaches the disk before it returns (an fsync of the WAL), so whatever the
 * host acknowledged survives a power cut. Watched for real: a child process opens the host's
 * database and commits, under strace. (better-sqlite3's build default skips that fsync while
 * `PRAGMA synchronous` still reads FULL, so only the system calls tell.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { needs } from '../../../test/support/needs.js';

const DATABASE_MODULE = fileURLToPath(new URL('../../src/storage/database.ts', import.meta.url));
const WRITES_MODULE = fileURLToPath(new URL('../../src/storage/host-writes.ts', import.meta.url));
const COMMITS = 40;

describe('storage: durable commits', function () {
  needs('strace');
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-durable-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The WAL fsyncs made between the markers `script` writes to stderr. */
  const walSyncsOf = (script: string): number => {
    const trace = path.join(dir, 'strace.log');
    execFileSync('strace', ['-f', '-y', '-e', 'trace=fsync,fdatasync,write', '-o', trace, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    // Only the calls between the two markers: opening and migrating commit too.
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    const begin = lines.findIndex((line) => line.includes('commits begin'));
    const end = lines.findIndex((line) => line.includes('commits end'));
    expect(begin, 'the begin marker in the trace').to.be.greaterThan(-1);
    expect(end, 'the end marker in the trace').to.be.greaterThan(begin);
    return lines.slice(begin, end).filter((line) => /\b(fsync|fdatasync)\(\d+<[^>]*kith\.sqlite-wal>\) = 0/.test(line)).length;
  };
  const opening = () => `
      import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
      import { HostWrites } from ${JSON.stringify(WRITES_MODULE)};
      const db = await openDatabase(${JSON.stringify(path.join(dir, 'data'))});
      const writes = new HostWrites(db.sqlite);
      db.sqlite.exec('CREATE TABLE IF NOT EXISTS probe (n INTEGER)');
      const insert = db.sqlite.prepare('INSERT INTO probe (n) VALUES (?)');`;

  it(`fsyncs the WAL at each of ${COMMITS} commits, before the commit returns`, () => {
    const syncs = walSyncsOf(`${opening()}
      process.stderr.write('commits begin\\n');
      for (let n = 0; n < ${COMMITS}; n++) insert.run(n);
      process.stderr.write('commits end\\n');
      await db.close();`);
    expect(syncs, 'fsyncs of the WAL while committing').to.be.at.least(COMMITS);
  });

  it('a commit that need not wait for the disk (an ACK settled) skips the fsync, and every commit after it fsyncs again', () => {
    const syncs = walSyncsOf(`${opening()}
      process.stderr.write('commits begin\\n');
      for (let n = 0; n < ${COMMITS}; n++) writes.relaxed(() => insert.run(n));
      process.stderr.write('commits end\\n');
      // Inside an open transaction it leaves the pragma alone (SQLite refuses to change it there).
      db.sqlite.exec('BEGIN');
      writes.relaxed(() => insert.run(-1));
      db.sqlite.exec('COMMIT');
      if (db.sqlite.pragma('synchronous', { simple: true }) !== 2) throw new Error('synchronous is no longer FULL');
      await db.close();`);
    expect(syncs, 'fsyncs of the WAL during the relaxed commits').to.be.below(COMMITS / 4);
    const after = walSyncsOf(`${opening()}
      writes.relaxed(() => insert.run(0));
      process.stderr.write('commits begin\\n');
      for (let n = 0; n < ${COMMITS}; n++) insert.run(n);
      process.stderr.write('commits end\\n');
      await db.close();`);
    expect(after, 'fsyncs of the WAL for the ordinary commits after one relaxed commit').to.be.at.least(COMMITS);
  });
});
