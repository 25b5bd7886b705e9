/**
 * Entry module of the real files extension that, once its activation is done, leaves one blob
 * no transfer names when the file `KITH_TEST_ORPHAN_FLAG` names exists (then removes the file):
 * what a kill -9 between a blob's creation and its row's save leaves (TestHostOptions.builtinEntries).
 */
import fs from 'node:fs';
import type { ExtensionContext } from '@kith/sdk';
import { filesExtension } from '../../src/activate.js';

const real = filesExtension();

export default {
  async activate(ctx: ExtensionContext): Promise<void> {
    await real.activate(ctx);
    const flag = process.env.KITH_TEST_ORPHAN_FLAG;
    if (!flag || !fs.existsSync(flag)) return;
    fs.rmSync(flag);
    const orphan = await ctx.blobs.create();
    await ctx.blobs.append(orphan, new Uint8Array(100_000).fill(7));
  },
  deactivate: real.deactivate,
};
