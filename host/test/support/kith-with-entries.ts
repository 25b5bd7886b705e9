/**
 * A test fixture program: the real `kith` program with some built-in extensions' entry modules
 * replaced, so a test can wrap a built-in's activate (e.g. play a hostile sender with the real
 * files code) without a test hook in the shipped code. The SDK test kit starts it for
 * `TestHostOptions.builtinEntries`; run by hand:
 *
 *   node --import tsx host/test/support/kith-with-entries.ts --builtin-entry files=/abs/wrapper.ts [kith arguments]
 *
 * The replacement module exports the extension (`export default defineExtension(...)`), like any entry.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runKith } from '../../src/run-kith.js';

const FLAG = '--builtin-entry';
const ID = /^[a-z][a-z0-9-]{0,63}$/;

const entries = new Map<string, () => Promise<unknown>>();
const rest: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== FLAG) {
    rest.push(argv[i]!);
    continue;
  }
  const spec = argv[++i] ?? '';
  const at = spec.indexOf('=');
  const [id, file] = [spec.slice(0, at), spec.slice(at + 1)];
  if (at < 0 || !ID.test(id) || !path.isAbsolute(file)) {
    process.stderr.write(`${FLAG} needs <extension id>=<absolute module path>, not "${spec}"\n`);
    process.exit(2);
  }
  entries.set(id, () => import(pathToFileURL(file).href));
}

runKith(rest, { builtinEntries: entries }).catch((error) => {
  process.stderr.write(`kith: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
