import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { openDatabase } from '../../../host/src/storage/database.js';
import { createExtensionStorage } from '../../../host/src/storage/extension-storage.js';
import { openText, sealText } from '../../../host/src/storage/sealing.js';
import { PersonaRegistry } from '../../../host/src/identity/persona-registry.js';
import { DEFAULT_VAULT_KDF } from '../../../host/src/identity/vault.js';

const CHEAP_KDF = { m: 1024, t: 1, p: 1 };
const PAGE = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeMs(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median unlock time of a persona whose vault uses `kdf`, through the real registry (argon2 + BIP39 seed + key derivation). */
async function unlockMs(dataDir: string, kdf: typeof DEFAULT_VAULT_KDF, rounds: number): Promise<number> {
  const registry = new PersonaRegistry(dataDir, { kdf });
  const { slug } = await registry.create({ label: `bench ${kdf.m}`, passphrase: 'bench passphrase' });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    registry.lock();
    times.push(await timeMs(() => registry.unlock(slug, 'bench passphrase')));
  }
  registry.dispose();
  return median(times);
}

async function insertRate(db: Kysely<any>, bodies: () => string, rows: number): Promise<number> {
  const batch = 500;
  const ms = await timeMs(async () => {
    for (let done = 0; done < rows; done += batch) {
      const values = Array.from({ length: Math.min(batch, rows - done) }, () => ({ body: bodies(), sent_at: Date.now() }));
      await db.transaction().execute((trx) => trx.insertInto('messages').values(values).execute());
    }
  });
  return (rows / ms) * 1000;
}

/**
 * Identity & storage costs: unlock (argon2id at the shipped parameters) against a cheap argon2id,
 * sealed inserts against plain inserts through the same scoped handle, and one page of 50
 * messages at 100k rows (scoped, sealed, opened) against the same page read raw.
 */
const suite: BenchSuite = {
  name: 'identity',
  async run(): Promise<BenchRow[]> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-identity-'));
    try {
      const unlockReal = await unlockMs(dataDir, DEFAULT_VAULT_KDF, 5);
      const unlockCheap = await unlockMs(dataDir, CHEAP_KDF, 5);

      const database = await openDatabase(dataDir);
      const persona = randomBytes(32).toString('hex');
      const migrations = {
        '001': {
          async up(db: Kysely<any>) {
            await db.schema
              .createTable('messages')
              .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
              .addColumn('body', 'text', (c) => c.notNull())
              .addColumn('sent_at', 'integer', (c) => c.notNull())
              .execute();
          },
        },
      };
      const storage = createExtensionStorage(database, 'bench-chat', persona);
      const plain = createExtensionStorage(database, 'bench-plain', persona);
      await storage.migrate(migrations);
      await plain.migrate(migrations);
      const key = new Uint8Array(randomBytes(32));
      const text = 'See you at the station at six, bring the blue umbrella and the tickets.';
      const plainRate = await insertRate(plain.db, () => text, 20_000);
      const sealedRate = await insertRate(storage.db, () => sealText(key, text), 20_000);
      // Fill to 100k messages (sealed), with another persona's 20k rows in the same table.
      await insertRate(storage.db, () => sealText(key, text), 80_000);
      await insertRate(createExtensionStorage(database, 'bench-chat', randomBytes(32).toString('hex')).db, () => sealText(key, text), 20_000);
      const total = Number(
        (await storage.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
      );
      const maxId = Number((await storage.db.selectFrom('messages').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);

      const cursors = Array.from({ length: 300 }, () => 1 + Math.floor(Math.random() * maxId));
      const scopedTimes: number[] = [];
      for (const cursor of cursors) {
        scopedTimes.push(
          await timeMs(async () => {
            const page = await storage.db.selectFrom('messages').select(['id', 'body', 'sent_at']).where('id', '<', cursor).orderBy('id', 'desc').limit(PAGE).execute();
            for (const row of page) openText(key, row.body);
          }),
        );
      }
      const raw = database.sqlite.prepare('SELECT id, body, sent_at FROM ext_bench_chat__messages WHERE id < ? ORDER BY id DESC LIMIT ?');
      const rawTimes: number[] = [];
      for (const cursor of cursors) rawTimes.push(await timeMs(() => raw.all(cursor, PAGE)));
      await database.close();

      return [
        {
          area: 'identity',
          metric: `unlock (argon2id m=${DEFAULT_VAULT_KDF.m / 1024} MiB t=${DEFAULT_VAULT_KDF.t}, median of 5)`,
          value: unlockReal,
          unit: 'ms',
          baseline: { name: 'same unlock, argon2id m=1 MiB t=1', value: unlockCheap, unit: 'ms' },
        },
        {
          area: 'identity',
          metric: 'sealed message insert (scoped handle, 500/txn)',
          value: sealedRate,
          unit: 'rows/s',
          baseline: { name: 'plain insert, same handle', value: plainRate, unit: 'rows/s' },
        },
        {
          area: 'identity',
          metric: `page of ${PAGE} at ${Math.round(total / 1000)}k messages (scoped + open, median)`,
          value: median(scopedTimes),
          unit: 'ms',
          baseline: { name: 'same page, raw better-sqlite3, not opened', value: median(rawTimes), unit: 'ms' },
        },
      ];
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
export default suite;
