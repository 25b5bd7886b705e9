/**
 * Entry module of a files sender that corrupts one block (TestHostOptions.builtinEntries): the
 * real extension, except that the first send of block CORRUPT_BLOCK of each transfer has its
 * first byte flipped on the way out, as a bad disk or a broken peer would deliver it.
 */
import { tamperedExtension } from '@kith/sdk/testing';
import files from '../../src/activate.js';

/** The block whose first send is corrupted. */
export const CORRUPT_BLOCK = 5;

const corrupted = new Set<string>();

export default tamperedExtension(files, {
  send(event) {
    const id = String(event.header.id);
    if (event.kind !== 'files.chunk' || event.header.i !== CORRUPT_BLOCK || corrupted.has(id) || !event.payload?.length) return [event];
    corrupted.add(id);
    const bad = new Uint8Array(event.payload);
    bad[0] = bad[0]! ^ 0xff;
    return [{ ...event, payload: bad }];
  },
});
