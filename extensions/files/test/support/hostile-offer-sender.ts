/**
 * Entry module of a hostile files sender (TestHostOptions.builtinEntries): the real extension,
 * except that the offer of a file named in HOSTILE_OFFERS carries the replaced fields (an absurd
 * size, a path in the name, a scripted type, a lying root).
 */
import { tamperedExtension } from '@kith/sdk/testing';
import files from '../../src/activate.js';
import { HOSTILE_OFFERS } from './hostile-offers.js';

export default tamperedExtension(files, {
  send(event) {
    const lie = event.kind === 'files.offer' ? HOSTILE_OFFERS[String(event.header.name)] : undefined;
    return [lie ? { ...event, header: { ...event.header, ...lie } } : event];
  },
});
