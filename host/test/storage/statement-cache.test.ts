import { expect } from 'chai';
import Sqlite from 'better-sqlite3';
import { cachedStatements } from '../../src/storage/statement-cache.js';

describe('storage: prepared statements reused by SQL text', () => {
  it('gives the same statement for the same SQL, a fresh one while it is busy, and keeps at most 256', () => {
    const sqlite = new Sqlite(':memory:');
    sqlite.exec('CREATE TABLE t (n INTEGER)');
    for (let n = 0; n < 3; n++) sqlite.prepare('INSERT INTO t VALUES (?)').run(n);
    const db = cachedStatements(sqlite);
    const select = db.prepare('SELECT n FROM t ORDER BY n');
    expect(db.prepare('SELECT n FROM t ORDER BY n')).to.equal(select);

    // A streamed query keeps its statement busy: a second query with the same SQL must not reuse it.
    const rows = select.iterate();
    rows.next();
    const second = db.prepare('SELECT n FROM t ORDER BY n');
    expect(second).to.not.equal(select);
    expect(second.all()).to.deep.equal([{ n: 0 }, { n: 1 }, { n: 2 }]);
    rows.return?.();
    expect(db.prepare('SELECT n FROM t ORDER BY n')).to.equal(select);

    for (let i = 0; i < 300; i++) db.prepare(`SELECT ${i} AS n`);
    // The first statement was used least recently: it was dropped, and a new one is prepared.
    expect(db.prepare('SELECT n FROM t ORDER BY n')).to.not.equal(select);
    expect(db.prepare('SELECT 299 AS n')).to.equal(db.prepare('SELECT 299 AS n'));
    db.close();
    expect(sqlite.open).to.equal(false);
  });
});
