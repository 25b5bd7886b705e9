/**
 * An extension's `db.transaction()` holds the host's one SQLite connection open across awaits.
 * The bus writes on that connection too (queue rows, sequence counters, receive marks, reports):
 * if those writes joined the extension's transaction, its rollback would undo them, so a sent
 * event's seq would be used again (the friend drops the next event as a duplicate) and a
 * received event's mark would vanish after its ACK. Here a real extension holds a transaction and
 * rolls it back while real events cross a real session between two hosts; nothing of the bus's
 * is lost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { expect } from 'chai';
import { befriend, connect, eventually } from '@kith/sdk/testing';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { startInProcessHost, type InProcessHost } from '../extensions/harness/in-process-host.js';
import { writeExtension } from '../extensions/harness/extension-fixture.js';
import { buildTimedListenerFixture } from '../net/support/timed-listener-fixture.js';

/** Holds one transaction open (one row written in it) until told to roll it back. */
const HOLDER = `
const MIGRATIONS = { '001': { async up(db) {
  await db.schema.createTable('rows').addColumn('n', 'integer').execute();
} } };
export default {
  async activate(ctx) {
    await ctx.storage.migrate(MIGRATIONS);
    let release;
    let outcome = null;
    ctx.routes.post('/holder/hold', async () => {
      let started;
      const begun = new Promise((resolve) => { started = resolve; });
      const released = new Promise((resolve) => { release = resolve; });
      outcome = ctx.storage.db.transaction().execute(async (trx) => {
        await trx.insertInto('rows').values({ n: 1 }).execute();
        started();
        await released;
        throw new Error('rolled back on purpose');
      }).then(() => 'committed', (error) => error.message);
      await begun;
      return { holding: true };
    });
    ctx.routes.post('/holder/release', async () => {
      release();
      return { outcome: await outcome };
    });
    // A hostile hog: transactions back to back, each kept busy with a statement every 100 ms (so
    // the idle rollback never comes), until told to stop; it counts how each one ended.
    let hogging = false;
    const ends = [];
    let hog = null;
    ctx.routes.post('/holder/hog', async () => {
      hogging = true;
      hog = (async () => {
        while (hogging) {
          await ctx.storage.db.transaction().execute(async (trx) => {
            await trx.insertInto('rows').values({ n: 2 }).execute();
            while (hogging) {
              await trx.selectFrom('rows').select('n').execute();
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }).then(() => ends.push('committed'), (error) => ends.push(error.message));
        }
      })();
      return { hogging: true };
    });
    ctx.routes.post('/holder/unhog', async () => {
      hogging = false;
      await hog;
      return { ends };
    });
    ctx.routes.get('/holder/rows', async () => ({ rows: (await ctx.storage.db.selectFrom('rows').select('n').execute()).length }));
  },
};
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('storage: a transaction an extension holds does not take the bus\'s writes with it', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: InProcessHost;
  let bob: InProcessHost;

  const notesAt = async (host: InProcessHost): Promise<string[]> => ((await host.request('GET', '/tl/notes')).notes as Array<{ text: string }>).map((n) => n.text);
  /** Bob's stored receive marks, read through a connection of our own (WAL lets it read beside the host's). */
  const marksOf = (host: InProcessHost): Map<string, number> => {
    const db = new Sqlite(path.join(host.dataDir, 'kith.sqlite'), { readonly: true });
    try {
      return new Map((db.prepare('SELECT stream, hwm FROM bus_in_streams').all() as Array<{ stream: string; hwm: number }>).map((r) => [r.stream, r.hwm]));
    } finally {
      db.close();
    }
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-held-'));
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const tl = await buildTimedListenerFixture(work);
    const holder = writeExtension(work, 'holder', { id: 'holder', contributes: { routes: ['POST /holder/hold', 'POST /holder/release', 'POST /holder/hog', 'POST /holder/unhog', 'GET /holder/rows'] } }, HOLDER);
    [alice, bob] = await Promise.all([
      startInProcessHost({ name: 'Alice', extensions: [tl], builtin: true }),
      startInProcessHost({ name: 'Bob', extensions: [tl, holder], builtin: true }),
    ]);
    await Promise.all([alice, bob].map((h) => h.createPersona(h.name)));
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
    // One note each way first, so both streams exist and their marks are stored.
    await bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'hello Alice' });
    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'hello Bob' });
    await eventually('the first notes', async () => (await notesAt(alice)).includes('hello Alice') && (await notesAt(bob)).includes('hello Bob'));
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('an event Bob sends while his extension holds a transaction keeps its seq after the rollback: the next one arrives too', async () => {
    await bob.request('POST', '/holder/hold');
    const during = bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'sent during the hold' });
    await sleep(500);
    expect((await bob.request('POST', '/holder/release')).outcome).to.equal('rolled back on purpose');
    expect((await bob.request('GET', '/holder/rows')).rows, 'the extension\'s own write was rolled back').to.equal(0);
    await during;
    await bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'sent after the rollback' });
    await eventually('both notes at Alice', async () => {
      const notes = await notesAt(alice);
      return notes.includes('sent during the hold') && notes.includes('sent after the rollback');
    }, 20_000);
  });

  it('an event Bob receives while his extension holds a transaction keeps its stored mark after the rollback', async () => {
    const before = marksOf(bob);
    await bob.request('POST', '/holder/hold');
    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'received during the hold' });
    await eventually('the note handed to Bob\'s extension', async () => (await notesAt(bob)).includes('received during the hold'));
    await sleep(300);
    expect((await bob.request('POST', '/holder/release')).outcome).to.equal('rolled back on purpose');
    await eventually('a mark one higher on one stream, after the rollback', async () => {
      const after = marksOf(bob);
      return [...after].some(([stream, hwm]) => hwm === (before.get(stream) ?? 0) + 1);
    }, 10_000);
  });

  it('a hostile extension that holds busy transactions back to back cannot stop the bus: the one a send waits on is rolled back, and the send goes first', async () => {
    await bob.request('POST', '/holder/hog');
    await sleep(300);
    const started = performance.now();
    await bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'sent past a hog' });
    const waited = performance.now() - started;
    await eventually('the note at Alice', async () => (await notesAt(alice)).includes('sent past a hog'), 20_000);
    await sleep(1_000); // the hog learns of the rollback at its next statement and begins again
    const { ends } = (await bob.request('POST', '/holder/unhog')) as { ends: string[] };
    // The send waited for the host's patience (5 s), not for ever; the hog's held transaction was
    // rolled back (its next statement failed) and the hog went on with a new one.
    expect(waited, 'ms the send waited').to.be.within(4_000, 15_000);
    expect(ends.length, 'transactions the hog ran').to.be.at.least(2);
    expect(ends[0], 'how the first hog transaction ended').to.match(/no such transaction/);
    expect(ends.slice(1), 'the hog\'s later transaction, ended by unhog').to.include('committed');
    const committed = ends.filter((end) => end === 'committed').length;
    expect((await bob.request('GET', '/holder/rows')).rows, 'rows: only those of committed transactions').to.equal(committed);
  });
});
