import path from 'node:path';
import { loadConfig } from './config.js';
import { parseArgs, USAGE } from './cli.js';
import type { RunningHost } from './host.js';
import type { ExtensionSources } from './extensions/area.js';
import { KITH_VERSION } from './version.js';
import { PACKAGED_BUILTINS } from './native/packaged-builtins.js';
import { isDamagedDatabase } from './storage/damaged-database.js';

/** What a program entry may add to the `kith` program: only test fixture programs pass any. */
export interface KithProgramOptions {
  /** See {@link ExtensionSources.builtinEntries}. */
  readonly builtinEntries?: ExtensionSources['builtinEntries'];
}

/**
 * The `kith` program on the command line `argv` (without node and the script): help, version,
 * the rendezvous role, or the peer app. main.ts runs it as is; a test fixture program (such as
 * host/test/support/kith-with-entries.ts) runs it with `options`.
 */
export async function runKith(argv: readonly string[], options: KithProgramOptions = {}): Promise<void> {
  let args;
  try {
    args = parseArgs([...argv]);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(`kith ${KITH_VERSION}\n`);
    return;
  }
  if (args.role === 'server') {
    const { runRendezvousFromCli } = await import('../../rendezvous/src/server/cli.js');
    await runRendezvousFromCli(args);
    return;
  }

  // Loaded only for the peer role, so --help, --version and --server do not evaluate the whole
  // peer app (in the single executable that is most of the start-up time).
  const [{ createLogger }, { startHost, DEFAULT_BUILTIN_DIR }, { resolveClientDir }, { openBrowser }] = await Promise.all([
    import('./log.js'),
    import('./host.js'),
    import('./client-dir.js'),
    import('./open-browser.js'),
  ]);
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  let host: RunningHost;
  try {
    host = await startHost({
      config,
      log,
      clientDir: resolveClientDir(),
      // Packaged: the extensions compiled into the executable; from source: the default folder scan.
      extensions: {
        ...(PACKAGED_BUILTINS ? { builtins: PACKAGED_BUILTINS } : { builtinDir: DEFAULT_BUILTIN_DIR }),
        ...(options.builtinEntries ? { builtinEntries: options.builtinEntries } : {}),
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`Port ${config.port} is already in use. Set KITH_PORT to another port, e.g. KITH_PORT=9000.\n`);
      process.exit(1);
    }
    const { code, path: where } = error as NodeJS.ErrnoException;
    if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR'].includes(code ?? '') && where?.startsWith(path.dirname(config.dataDir))) {
      // Typical when the executable sits in a read-only folder: the default data dir is beside it.
      process.stderr.write(`Cannot write the data folder ${config.dataDir} (${code}). Set KITH_DATA to a folder you can write, e.g. KITH_DATA=$HOME/.kith.\n`);
      process.exit(1);
    }
    if (code === 'KITH_ERR_CONFLICT' && (error as { details?: { dataDir?: string } }).details?.dataDir === config.dataDir) {
      process.stderr.write(`Another Kith is already running with the data folder ${config.dataDir}. Use that one, stop it first, or set KITH_DATA to another folder.\n`);
      process.exit(1);
    }
    if (isDamagedDatabase(error)) {
      const file = path.join(config.dataDir, 'kith.sqlite');
      process.stderr.write(
        `The database ${file} is damaged (${(error as Error).message}). Kith left it as it is. Restore it from a backup, or move it ` +
          `(with kith.sqlite-wal and kith.sqlite-shm beside it) out of ${config.dataDir} to start with an empty one: the personas in ` +
          `identities/ stay, their friends, messages and extension data are in the database.\n`,
      );
      process.exit(1);
    }
    if (code && where?.startsWith(config.dataDir)) {
      // Something in the data folder is not what Kith keeps there (a folder where a file was, a
      // file it may not read): say which, without a stack, and change nothing.
      process.stderr.write(
        `Kith cannot use ${where} (${(error as Error).message}). It left it as it is: make it the file Kith keeps there ` +
          `(one it may read and write), or move it out of ${config.dataDir}, then start again.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(`Kith is running at ${host.url}\n`);
  if (!config.noBrowser) openBrowser(host.url, (e) => log.warn({ err: e.message }, 'could not open the browser'));

  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    host.close().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
