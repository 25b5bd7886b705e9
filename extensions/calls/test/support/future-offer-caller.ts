/**
 * Entry module of a calls peer whose video offers carry a timestamp a day ahead
 * (TestHostOptions.builtinEntries): the real calls extension runs unchanged, and below it, where a
 * hostile host sits, each `calls.offer` with `video: true` has its `ts` moved forward, so the
 * offer would never look stale to the friend. Audio offers, everything else, and what it
 * receives, are untouched (so the same host can also ring honestly).
 */
import { tamperedExtension } from '@kith/sdk/testing';
import calls from '../../src/activate.js';

export const AHEAD_MS = 24 * 3600_000;

export default tamperedExtension(calls, {
  send(event) {
    if (event.kind !== 'calls.offer' || event.header.video !== true) return [event];
    return [{ ...event, header: { ...event.header, ts: Number(event.header.ts) + AHEAD_MS } }];
  },
});
