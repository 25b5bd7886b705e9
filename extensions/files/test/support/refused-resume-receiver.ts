/**
 * Entry module of a files receiver whose first resume after each hold is refused at the send, as
 * a disk that is still full refuses the queue row of a durable event (TestHostOptions.builtinEntries):
 * the real extension otherwise. On the chaos round's disk (session 26) that refusal left the
 * receiver waiting for blocks and the sender held for the rest of the session.
 */
import { KithError } from '@kith/sdk';
import { tamperedExtension } from '@kith/sdk/testing';
import files from '../../src/activate.js';

const armed = new Set<string>();

export default tamperedExtension(files, {
  send(event) {
    const id = String(event.header.id);
    if (event.kind === 'files.hold') armed.add(id);
    if (event.kind === 'files.resume' && armed.delete(id)) throw new KithError('KITH_ERR_DISK_FULL', 'The disk is full (refused by the test entry)');
    return [event];
  },
});
