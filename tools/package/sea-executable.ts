import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Node's fuse that turns a copy of `node` into a single executable application once flipped. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface SeaBuild {
  /** The CommonJS bundle that becomes the executable's main script. */
  readonly mainScript: string;
  /** Asset key → file on disk, readable inside through `node:sea`. */
  readonly assets: Readonly<Record<string, string>>;
  /** Folder for sea-config.json and the blob. */
  readonly workDir: string;
  /** The executable to produce. */
  readonly output: string;
  /** The Node binary to copy: must be the target OS's own (defaults to the one running this). */
  readonly nodeBinary?: string;
  /**
   * Embed V8's code cache: faster start (about 30 ms less CPU here), but V8 does not produce it
   * byte for byte the same twice, so the executable's checksum changes with every build.
   */
  readonly codeCache: boolean;
}

/** Run a build step quietly; its output is shown only when it fails. */
function quietly(command: string, args: readonly string[]): void {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
}

/**
 * Node's built-in single executable application recipe: write sea-config.json, let
 * `node --experimental-sea-config` prepare the blob, copy the Node binary and inject the blob with
 * postject. On macOS the copy's signature is removed before and re-applied (ad hoc) after.
 */
export async function buildSeaExecutable(options: SeaBuild): Promise<void> {
  const node = options.nodeBinary ?? process.execPath;
  const blob = path.join(options.workDir, 'kith.blob');
  const configFile = path.join(options.workDir, 'sea-config.json');
  const config = {
    main: options.mainScript,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: options.codeCache,
    assets: options.assets,
  };
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  quietly(node, ['--experimental-sea-config', configFile]);

  // Built beside the target and renamed over it, so a reader never sees a half-made executable.
  const partial = `${options.output}.partial-${process.pid}`;
  fs.copyFileSync(node, partial);
  fs.chmodSync(partial, 0o755);
  try {
    // Node's Linux binary ships its symbol table (about 12 MB), needed only by debuggers and
    // profilers. Addons link against .dynsym, which `strip` keeps.
    if (process.platform === 'linux' && spawnSync('strip', ['--version']).status === 0) quietly('strip', [partial]);
    const macos = process.platform === 'darwin';
    if (macos) execFileSync('codesign', ['--remove-signature', partial]);
    // postject's command line, run by the Node running this build (its LIEF warnings stay hidden).
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    quietly(process.execPath, [
      postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE,
      ...(macos ? ['--macho-segment-name', 'NODE_SEA'] : []),
    ]);
    if (macos) execFileSync('codesign', ['--sign', '-', partial]);
    fs.renameSync(partial, options.output);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
