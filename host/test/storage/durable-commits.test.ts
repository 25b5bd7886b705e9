/**
 * Group commit, watched for real: a child process opens the host's database and commits under
 * strace. Commits do not fsync on the thread that makes them; the WAL is synced on libuv's thread
 * pool, once for a batch, before `durable()` resolves, and without anyone asking soon after.
 * (better-sqlite3's build skips the fsync at each WAL commit while `PRAGMA synchronous` still reads
 * FULL, so only the system calls tell.)
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

/** One WAL sync in the trace: which thread made it, and where it stands among the markers. */
interface WalSync {
  readonly thread: number;
  readonly line: number;
}

describe('storage: group commit', function () {
  needs('strace');
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-durable-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Run `script` under strace; the WAL syncs and the line of each marker it wrote to stderr. */
  const trace = (script: string) => {
    const log = path.join(dir, 'strace.log');
    execFileSync('strace', ['-f', '-y', '-e', 'trace=fsync,fdatasync,write', '-o', log, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const main = Number(/^(\d+)/.exec(lines[0]!)![1]);
    const syncs: WalSync[] = [];
    const markers = new Map<string, number>();
    // A sync that another thread's system call interrupts is printed in two lines, "fdatasync(…
    // <unfinished ...>" then "<... fdatasync resumed>) = 0": it counts where it began, once it succeeded.
    const unfinished = new Map<number, number>();
    lines.forEach((text, line) => {
      const thread = Number(/^(\d+)/.exec(text)?.[1]);
      if (/\b(fsync|fdatasync)\(\d+<[^>]*kith\.sqlite-wal>\)\s+= 0/.test(text)) syncs.push({ thread, line });
      if (/\b(fsync|fdatasync)\(\d+<[^>]*kith\.sqlite-wal> <unfinished \.\.\.>/.test(text)) unfinished.set(thread, line);
      if (/<\.\.\. (fsync|fdatasync) resumed>\)\s+= 0/.test(text) && unfinished.has(thread)) {
        syncs.push({ thread, line: unfinished.get(thread)! });
        unfinished.delete(thread);
      }
      const marker = /write\(2<[^>]*>, "mark (\w+)/.exec(text);
      if (marker) markers.set(marker[1]!, line);
    });
    const at = (name: string) => {
      expect(markers.has(name), `the marker "${name}" in the trace`).to.equal(true);
      return markers.get(name)!;
    };
    const between = (from: string, to: string) => syncs.filter((sync) => sync.line > at(from) && sync.line < at(to));
    return { main, syncs, between };
  };
  const opening = () => `
      import { openDatabase } from ${JSON.stringify(DATABASE_MODULE)};
      const db = await openDatabase(${JSON.stringify(path.join(dir, 'data'))});
      const mark = (name) => process.stderr.write('mark ' + name + '\\n');
      db.sqlite.exec('CREATE TABLE IF NOT EXISTS probe (n INTEGER)');
      const insert = db.sqlite.prepare('INSERT INTO probe (n) VALUES (?)');`;

  it(`${COMMITS} commits make no fsync on the event loop; durable() syncs the WAL once for all, on another thread, before it resolves`, () => {
    const { main, between } = trace(`${opening()}
      mark('begin');
      for (let n = 0; n < ${COMMITS}; n++) insert.run(n);
      mark('committed');
      await Promise.all([db.writes.durable(), db.writes.durable(), db.writes.durable()]);
      mark('durable');
      await db.close();`);
    expect(between('begin', 'committed'), 'WAL syncs while committing').to.deep.equal([]);
    const syncs = between('committed', 'durable');
    expect(syncs.length, 'WAL syncs before durable() resolved').to.be.within(1, 2);
    expect(syncs.every((sync) => sync.thread !== main), 'no sync on the main thread').to.equal(true);
  });

  it('durable() called while a sync runs waits for one that begins after it', () => {
    const { between } = trace(`${opening()}
      insert.run(0);
      const first = db.writes.durable();
      insert.run(1);
      mark('second');
      await db.writes.durable();
      mark('durable');
      await first;
      await db.close();`);
    expect(between('second', 'durable').length, 'a WAL sync after the second commit, before its durable() resolved').to.be.at.least(1);
  });

  it('a commit nobody waits on is synced within 100 ms; an open transaction is synced after its commit', () => {
    const { between } = trace(`${opening()}
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      await db.writes.durable();
      mark('begin');
      insert.run(0);
      await sleep(150);
      mark('idle');
      db.sqlite.exec('BEGIN');
      insert.run(1);
      await sleep(150);
      mark('open');
      db.sqlite.exec('COMMIT');
      await sleep(150);
      mark('end');
      await db.close();`);
    expect(between('begin', 'idle').length, 'a WAL sync after a lone commit').to.be.at.least(1);
    expect(between('open', 'end').length, 'a WAL sync after the transaction committed').to.be.at.least(1);
  });
});
