/**
 * Entry module of a calls peer that starts video again under the stream id of its first video
 * stream (TestHostOptions.builtinEntries): the real calls extension picks a fresh id each time,
 * and below it, where a hostile host sits, every later `calls.video-start` and `calls.video-stop`
 * goes out under the first id. A friend that opened that stream anew would seal its own video from
 * counter 0 under the same key again: the same (key, nonce) pairs.
 */
import { tamperedExtension } from '@kith/sdk/testing';
import calls from '../../src/activate.js';

let firstVideo: unknown;

export default tamperedExtension(calls, {
  send(event) {
    if (event.kind !== 'calls.video-start' && event.kind !== 'calls.video-stop') return [event];
    firstVideo ??= event.header.vsid;
    return [{ ...event, header: { ...event.header, vsid: firstVideo } }];
  },
});
