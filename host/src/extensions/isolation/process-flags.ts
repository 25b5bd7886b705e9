import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isSingleExecutable } from '../../config.js';
import { extractExtensionHost } from '../../native/embedded-extension-host.js';
import { BUNDLED } from './bundled-modules.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The extension host script of a checkout (the packaged executable writes out its own). */
const CHECKOUT_CHILD = path.join(here, 'extension-host-child.mjs');

/** How the extension host is started: its script, flags, environment, and the SDK files it may load. */
export interface ProcessFlags {
  /** The script `fork` runs (the packaged executable ignores it and reads `KITH_EXTENSION_HOST_FILE`). */
  readonly script: string;
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
 *
 * The packaged executable starts itself instead of `node`: a single executable takes no Node flags
 * on its command line, but does read `NODE_OPTIONS`, so the same flags travel there; its extension
 * host is one script holding the SDK and the rest, the only file it may read besides the
 * extension's folder. Undefined when this build has no extension host.
 */
export function processFlags(extensionRoot: string, memoryMb: number): ProcessFlags | undefined {
  const root = fs.realpathSync(extensionRoot);
  if (isSingleExecutable()) {
    const script = extractExtensionHost();
    if (!script) return undefined;
    return {
      script,
      execArgv: [],
      env: { NODE_ENV: nodeEnv(), NODE_OPTIONS: nodeOptions(permissionFlags([root, script], memoryMb)), KITH_EXTENSION_HOST_FILE: script },
      sdkUrl: BUNDLED,
      storageUrl: BUNDLED,
      chachaUrl: BUNDLED,
    };
  }
  if (!fs.existsSync(CHECKOUT_CHILD)) return undefined;
  const sdkRoot = packageRoot('@kith/sdk');
  const kyselyRoot = packageRoot('kysely');
  const ciphersRoot = packageRoot('@noble/ciphers');
  const sdkExports = (JSON.parse(fs.readFileSync(path.join(sdkRoot, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports;
  const readable = [root, here, path.join(sdkRoot, 'dist'), path.join(sdkRoot, 'package.json'), kyselyRoot, ciphersRoot];
  return {
    script: CHECKOUT_CHILD,
    execArgv: permissionFlags(readable, memoryMb),
    env: { NODE_ENV: nodeEnv() },
    sdkUrl: pathToFileURL(path.join(sdkRoot, sdkExports['.']!.default)).href,
    storageUrl: pathToFileURL(path.join(sdkRoot, sdkExports['./storage']!.default)).href,
    chachaUrl: pathToFileURL(path.join(ciphersRoot, 'chacha.js')).href,
  };
}

const nodeEnv = () => process.env.NODE_ENV ?? 'production';

function permissionFlags(readable: readonly string[], memoryMb: number): string[] {
  return [
    '--experimental-permission',
    ...readable.map((p) => `--allow-fs-read=${p}`),
    `--max-old-space-size=${memoryMb}`,
    ...(supportsDisableWarning() ? ['--disable-warning=ExperimentalWarning'] : []),
  ];
}

/**
 * Flags as one `NODE_OPTIONS` value. Node splits it at spaces outside double quotes and reads `\"`
 * and `\\` inside them, so each value is quoted: a folder named with spaces or quotes stays whole.
 */
export function nodeOptions(flags: readonly string[]): string {
  return flags
    .map((flag) => {
      const at = flag.indexOf('=');
      if (at < 0) return flag;
      return `${flag.slice(0, at + 1)}"${flag.slice(at + 1).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    })
    .join(' ');
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
