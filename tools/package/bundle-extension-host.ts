import path from 'node:path';
import { build } from 'esbuild';

/** The extension host script inside the executable, relative to the checkout. */
export const EXTENSION_HOST_ENTRY = 'host/src/extensions/isolation/packaged-extension-host.mjs';

/**
 * Bundle the extension host (the process each third-party extension runs in) into one ES module
 * with the SDK, its storage dialect and HChaCha20 inside. The executable writes it out and starts
 * itself on it; under Node's permission model that process may read this one file and the
 * extension's folder, so nothing it needs may live in another file.
 */
export async function bundleExtensionHost(root: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [path.join(root, EXTENSION_HOST_ENTRY)],
    absWorkingDir: root,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'error',
  });
}
