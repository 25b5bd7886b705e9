/**
 * Entry module of a calls peer that forges media (TestHostOptions.builtinEntries): the real calls
 * extension seals every frame as usual, and below it, where a compromised or hostile host sits
 * (the bus API; the session under it authenticates datagrams, so nobody else can put an event into
 * it), these extra frames go to the friend, keyed on the sequence number of this side's own
 * genuine audio frames. Bob's real host must drop and count each one.
 */
import { tamperedExtension, type OutgoingEvent } from '@kith/sdk/testing';
import type { InboundEvent } from '@kith/sdk';
import calls from '../../src/activate.js';

/** Sequence numbers of this side's audio frames at which a forgery goes out (see FORGERIES). */
export const FORGE_AT = { flippedBit: 2, replay: 5, replayOf: 3, reflected: 7, otherStream: 8 } as const;

const sentAudio = new Map<number, OutgoingEvent>();
let lastFromFriend: InboundEvent | undefined;
let videoStream: string | undefined;

function flipped(event: OutgoingEvent): OutgoingEvent {
  const payload = new Uint8Array(event.payload!);
  payload[payload.length >> 1]! ^= 0x01;
  return { ...event, payload };
}

export default tamperedExtension(calls, {
  receive(event) {
    if (event.kind === 'calls.audio') lastFromFriend = event;
  },
  send(event) {
    if (event.kind === 'calls.video-start') videoStream = String(event.header.vsid);
    if (event.kind !== 'calls.audio') return [event];
    const q = Number(event.header.q);
    sentAudio.set(q, event);
    switch (q) {
      // (i) one bit flipped in the sealed frame, sent just before the genuine frame of the same number:
      // it must fail, and must not take the number from the genuine one.
      case FORGE_AT.flippedBit:
        return [flipped(event), event];
      // (ii) an exact copy of a frame the friend already has.
      case FORGE_AT.replay:
        return [event, sentAudio.get(FORGE_AT.replayOf)!];
      // (iii-a) the friend's own frame sent back to it, byte for byte: sealed for the other direction.
      case FORGE_AT.reflected:
        if (!lastFromFriend) throw new Error('no frame from the friend to reflect');
        return [{ ...event, kind: lastFromFriend.kind, stream: lastFromFriend.stream, header: lastFromFriend.header, payload: lastFromFriend.payload }, event];
      // (iii-b) this audio frame, byte for byte, on the video stream: sealed for another stream.
      case FORGE_AT.otherStream:
        if (!videoStream) throw new Error('no video stream to send into');
        return [event, { ...event, kind: 'calls.video', stream: videoStream }];
      default:
        return [event];
    }
  },
});
