/**
 * Entry module of the real chat extension on a disk that fills between two writes
 * (TestHostOptions.builtinEntries): while the file named by KITH_TEST_FULL_DISK_FLAG holds
 * `send`, the bus refuses chat's sends as a full disk does (KITH_ERR_DISK_FULL); while it holds
 * `delete` too, deleting a message row fails as SQLite does then (SQLITE_FULL); with `update`,
 * the first update of a message row after a refused send fails so; with `receipt`, the first
 * update after a send the bus took (noting its receipt) fails so. What a full disk does when the
 * message row found room in the log and the queue row did not.
 */
import fs from 'node:fs';
import { KithError, type ExtensionContext } from '@kith/sdk';
import chat from '../../src/activate.js';

const failing = (what: string): boolean => {
  try {
    return fs.readFileSync(process.env['KITH_TEST_FULL_DISK_FLAG'] ?? '', 'utf8').split(',').includes(what);
  } catch {
    return false;
  }
};

const sqliteFull = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

let failNextUpdate = false;

/** A query builder whose every step chains and whose execution fails. */
function failingQuery(): unknown {
  const chain: unknown = new Proxy(() => undefined, {
    get: (_t, prop) => (prop === 'execute' || prop === 'executeTakeFirst' || prop === 'executeTakeFirstOrThrow' ? () => Promise.reject(sqliteFull()) : () => chain),
  });
  return chain;
}

/** `target` with some members replaced; the rest bound to it (Kysely keeps private fields). */
function overriding<T extends object>(target: T, replace: (prop: string | symbol) => unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      const replaced = replace(prop);
      if (replaced !== undefined) return replaced;
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

export default {
  ...chat,
  activate(ctx: ExtensionContext) {
    const sessions = overriding(ctx.sessions, (prop) =>
      prop === 'send'
        ? (...args: Parameters<ExtensionContext['sessions']['send']>) =>
            failing('send') ? ((failNextUpdate = failing('update')), Promise.reject(new KithError('KITH_ERR_DISK_FULL', 'The disk is full: nothing was stored. Free some space and try again'))) : ctx.sessions.send(...args).then((receipt) => ((failNextUpdate = failing('receipt')), receipt))
        : undefined,
    );
    const db = overriding(ctx.storage.db, (prop) => {
      if (prop === 'deleteFrom') return (table: string) => (table === 'messages' && failing('delete') ? failingQuery() : (ctx.storage.db.deleteFrom as (t: string) => unknown)(table));
      if (prop === 'updateTable') {
        return (table: string) => {
          if (table !== 'messages' || !failNextUpdate) return (ctx.storage.db.updateTable as (t: string) => unknown)(table);
          failNextUpdate = false;
          return failingQuery();
        };
      }
      return undefined;
    });
    const storage = overriding(ctx.storage, (prop) => (prop === 'db' ? db : undefined));
    return chat.activate(overriding(ctx, (prop) => (prop === 'sessions' ? sessions : prop === 'storage' ? storage : undefined)));
  },
};
