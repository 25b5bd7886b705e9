import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** How the extension host is started: flags, environment, and the SDK files it may load. */
export interface ProcessFlags {
  readonly execArgv: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly sdkUrl: string;
  readonly storageUrl: string;
  /** HChaCha20 for ctx.sealing in the extension host (child-sealing.mjs). */
  readonly chachaUrl: string;
}

/**
 * Node's permission model (Node 20: `--experimental-permission`): the extension host may read its
 * extension's folder, the extension host script, the built SDK, kysely (the storage dialect's
 * one dependency) and @noble/ciphers (sealing), and nothing else; it may write nothing, start no process or worker, load no
 * native addon. The network is not covered by Node 20's model (docs/extensions.md, Trust model).
 * The environment is empty but for NODE_ENV: no secret of the host's reaches it.
 */
export function processFlags(extensionRoot: string, memoryMb: number): ProcessFlags {
  const sdkRoot = packageRoot('@kith/sdk');
  const kyselyRoot = packageRoot('kysely');
  const ciphersRoot = packageRoot('@noble/ciphers');
  const sdkExports = (JSON.parse(fs.readFileSync(path.join(sdkRoot, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports;
  const readable = [fs.realpathSync(extensionRoot), here, path.join(sdkRoot, 'dist'), path.join(sdkRoot, 'package.json'), kyselyRoot, ciphersRoot];
  return {
    execArgv: [
      '--experimental-permission',
      ...readable.map((p) => `--allow-fs-read=${p}`),
      `--max-old-space-size=${memoryMb}`,
      '--disable-warning=ExperimentalWarning',
    ].filter((flag) => flag !== '--disable-warning=ExperimentalWarning' || supportsDisableWarning()),
    env: { NODE_ENV: process.env.NODE_ENV ?? 'production' },
    sdkUrl: pathToFileURL(path.join(sdkRoot, sdkExports['.']!.default)).href,
    storageUrl: pathToFileURL(path.join(sdkRoot, sdkExports['./storage']!.default)).href,
    chachaUrl: pathToFileURL(path.join(ciphersRoot, 'chacha.js')).href,
  };
}

/** `--disable-warning` exists from Node 21.3 / 20.11. */
function supportsDisableWarning(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  return major > 21 || (major === 21 && minor >= 3) || (major === 20 && minor >= 11);
}

/** The real folder of an installed package, found the way Node looks (up from here). */
function packageRoot(name: string): string {
  for (let dir = here; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) throw new Error(`Cannot find the package ${name} for the extension host`);
  }
}
