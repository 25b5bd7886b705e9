/**
 * Entry module of a files sender that crowds its friend (TestHostOptions.builtinEntries): the real
 * extension, except that a file named `stall-*` is offered but its blocks and hash list never
 * leave (it stays arriving at the friend for as long as the test wants), and the offer of a file
 * named `flood.bin` goes out FLOOD_COPIES times, each copy under a fresh transfer id.
 */
import { randomBytes } from 'node:crypto';
import { tamperedExtension } from '@kith/sdk/testing';
import files from '../../src/activate.js';

export const FLOOD_COPIES = 300;

const stalled = new Set<string>();

export default tamperedExtension(files, {
  send(event) {
    const id = String(event.header.id);
    if (event.kind === 'files.offer' && String(event.header.name).startsWith('stall-')) stalled.add(id);
    if ((event.kind === 'files.chunk' || event.kind === 'files.hashes') && stalled.has(id)) return [];
    if (event.kind === 'files.offer' && event.header.name === 'flood.bin') {
      return Array.from({ length: FLOOD_COPIES }, (_, i) => {
        const copy = randomBytes(16).toString('hex');
        return { ...event, stream: copy, header: { ...event.header, id: copy, name: `flood-${i}.bin` } };
      });
    }
    return [event];
  },
});
