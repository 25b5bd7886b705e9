import { pathToFileURL } from 'node:url';

/**
 * Entry of the packaged executable. The executable is also the program each third-party extension
 * runs in (extensions/isolation): the host starts it with `KITH_EXTENSION_HOST_FILE` naming the
 * extension host script it wrote out, and that process loads only that script. The host's own
 * modules are imported lazily below, so an extension's process never evaluates them.
 */
const extensionHost = process.env.KITH_EXTENSION_HOST_FILE;
if (extensionHost) {
  // Read and applied at start: the extension sees the environment a checkout's extension host has.
  delete process.env.KITH_EXTENSION_HOST_FILE;
  delete process.env.NODE_OPTIONS;
}
const started = extensionHost ? import(pathToFileURL(extensionHost).href) : import('./main.js');
started.catch((error: unknown) => {
  process.stderr.write(`kith: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
