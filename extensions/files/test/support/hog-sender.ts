/**
 * Entry module of a files sender that hogs its friend's places (TestHostOptions.builtinEntries):
 * the real extension, except that the offer of a file named `hog-*` declares 16 GiB in 16 KiB
 * blocks (a 32 MiB hash list) and neither its hash list nor a block ever leaves: it stays arriving
 * at the friend, holding what an arriving file holds, for as long as the test wants.
 */
import { tamperedExtension } from '@kith/sdk/testing';
import files from '../../src/activate.js';
import { MAX_FILE_BYTES, MIN_BLOCK_BYTES } from '../../src/files-kinds.js';

const hogs = new Set<string>();

export default tamperedExtension(files, {
  send(event) {
    const id = String(event.header.id);
    if (event.kind === 'files.offer' && String(event.header.name).startsWith('hog-')) {
      hogs.add(id);
      return [{ ...event, header: { ...event.header, size: MAX_FILE_BYTES, bs: MIN_BLOCK_BYTES } }];
    }
    if ((event.kind === 'files.chunk' || event.kind === 'files.hashes') && hogs.has(id)) return [];
    return [event];
  },
});
