import { SqliteQueryCompiler, type CompiledQuery, type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Migration } from 'kysely';
import { KithError, type ExtensionStorage } from '@kith/sdk';
import type { Database } from './database.js';
import { ScopeTransformer } from './scope-transformer.js';

/** The physical table prefix of an extension: `ext_<id>__` (ids are `[a-z0-9-]`, dashes become `_`). */
export function extensionTablePrefix(extensionId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(extensionId)) throw new RangeError(`not an extension id: ${extensionId}`);
  return `ext_${extensionId.replace(/-/g, '_')}__`;
}

/**
 * A plugin that runs every query through a {@link ScopeTransformer} and remembers what it
 * produced; the guarded driver runs only those nodes, so a plugin added later, `withoutPlugins()`
 * or a hand-compiled query cannot bypass the scoping.
 */
class ScopePlugin implements KyselyPlugin {
  readonly #transformer: ScopeTransformer;
  readonly #produced: WeakSet<object>;

  constructor(transformer: ScopeTransformer, produced: WeakSet<object>) {
    this.#transformer = transformer;
    this.#produced = produced;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = this.#transformer.transformRoot(args.node, args.queryId);
    this.#produced.add(node);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

function scopedKysely(database: Database, options: { prefix: string; persona: string; allowDdl: boolean }): Kysely<any> {
  const produced = new WeakSet<object>();
  const plugin = new ScopePlugin(new ScopeTransformer(options), produced);
  const compiler = new SqliteQueryCompiler();
  // A compiled query is a plain object: check that its SQL and parameters are what its (scoped)
  // node compiles to, so a legitimate node cannot carry hand-written SQL.
  const allow = (query: CompiledQuery): boolean => {
    if (!produced.has(query.query)) return false;
    const expected = compiler.compileQuery(query.query, query.queryId);
    return (
      expected.sql === query.sql &&
      expected.parameters.length === query.parameters.length &&
      expected.parameters.every((p, i) => Object.is(p, query.parameters[i]))
    );
  };
  return database.derive({ plugins: [plugin], allow });
}

/** Migration runs in this process, per database and extension (the bookkeeping table is the durable record). */
const runs = new WeakMap<Database, Map<string, Promise<void>>>();

/**
 * The storage an extension gets for one persona: a kysely handle that sees only its own tables
 * (`ext_<id>__<name>`) and only this persona's rows, and `migrate`, which runs the extension's
 * migrations once per extension (bookkeeping in `kith_migrations_ext_<id>`). Tables are shared by
 * all personas; the `persona` column, added to every table by the migration rewriting, keeps
 * their rows apart.
 */
export function createExtensionStorage(database: Database, extensionId: string, persona: string): ExtensionStorage {
  const prefix = extensionTablePrefix(extensionId);
  if (typeof persona !== 'string' || persona.length === 0) throw new RangeError('persona must be a non-empty string');
  const db = scopedKysely(database, { prefix, persona, allowDdl: false });
  return {
    db,
    migrate(migrations: Readonly<Record<string, Migration>>): Promise<void> {
      let perDatabase = runs.get(database);
      if (!perDatabase) runs.set(database, (perDatabase = new Map()));
      // Serialise per extension: a second persona waits for the first one's run, then finds it done.
      const previous = perDatabase.get(extensionId) ?? Promise.resolve();
      const ddl = scopedKysely(database, { prefix, persona, allowDdl: true });
      const run = previous.catch(() => undefined).then(() => runExtensionMigrations(database, prefix, ddl, migrations));
      perDatabase.set(extensionId, run.catch(() => undefined));
      return run;
    },
  };
}

/**
 * Run the migrations not yet recorded, in name order, each in its own transaction together with
 * its bookkeeping row (written through the same connection, inside that transaction).
 */
async function runExtensionMigrations(
  database: Database,
  prefix: string,
  ddl: Kysely<any>,
  migrations: Readonly<Record<string, Migration>>,
): Promise<void> {
  const book = `kith_migrations_${prefix.slice(0, -2)}`;
  database.sqlite.exec(`CREATE TABLE IF NOT EXISTS "${book}" (name TEXT PRIMARY KEY, executed_at INTEGER NOT NULL)`);
  const done = new Set((database.sqlite.prepare(`SELECT name FROM "${book}"`).all() as { name: string }[]).map((r) => r.name));
  for (const name of Object.keys(migrations).sort()) {
    if (done.has(name)) continue;
    const migration = migrations[name];
    if (typeof migration?.up !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', `Migration ${name} has no up()`);
    try {
      await ddl.transaction().execute(async (trx) => {
        await migration.up(trx);
        database.sqlite.prepare(`INSERT INTO "${book}" (name, executed_at) VALUES (?, ?)`).run(name, Date.now());
      });
    } catch (error) {
      if (error instanceof KithError) throw error;
      throw new KithError('KITH_ERR_INTERNAL', `Migration ${name} of ${prefix.slice(4, -2)} failed: ${(error as Error).message ?? String(error)}`);
    }
  }
}
