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
const COMMITS = 40;

describe('storage: durable commits', function () {
  needs('strace');
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-durable-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`fsyncs the WAL at each of ${COMMITS} commits, before the commit returns`, () => {
    const script = `
      import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
      const db = await openDatabase(${JSON.stringify(path.join(dir, 'data'))});
      db.sqlite.exec('CREATE TABLE probe (n INTEGER)');
      const insert = db.sqlite.prepare('INSERT INTO probe (n) VALUES (?)');
      process.stderr.write('commits begin\\n');
      for (let n = 0; n < ${COMMITS}; n++) insert.run(n);
      process.stderr.write('commits end\\n');
      await db.close();`;
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
    const walSyncs = lines.slice(begin, end).filter((line) => /\b(fsync|fdatasync)\(\d+<[^>]*kith\.sqlite-wal>\) = 0/.test(line));
    expect(walSyncs.length, 'fsyncs of the WAL while committing').to.be.at.least(COMMITS);
  });
});
