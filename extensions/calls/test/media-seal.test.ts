/** Per-call keys, sealing with the sequence in the nonce, and the replay window, with real crypto. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mediaKey, streamKeys } from '../src/media-key.js';
import { MediaOpener, MediaSealer } from '../src/media-seal.js';
import { REPLAY_WINDOW, ReplayWindow } from '../src/replay-window.js';

const SID = '00112233445566778899aabbccddeeff';
const VSID = 'ffeeddccbbaa99887766554433221100';

function pair(type: 'audio' | 'video' = 'audio', sid = SID) {
  const callKey = new Uint8Array(randomBytes(32));
  const caller = streamKeys(callKey, sid, type, 'caller');
  const callee = streamKeys(callKey, sid, type, 'callee');
  return { sealer: new MediaSealer(caller.send, sid, type), opener: new MediaOpener(callee.receive, sid, type), callKey };
}

describe('calls media sealing', () => {
  it('derives distinct keys per stream, media type and direction, alike on both sides', () => {
    const callKey = new Uint8Array(randomBytes(32));
    const keys = [
      mediaKey(callKey, SID, 'audio', 'caller'), mediaKey(callKey, SID, 'audio', 'callee'),
      mediaKey(callKey, VSID, 'video', 'caller'), mediaKey(callKey, VSID, 'video', 'callee'),
    ].map((k) => Buffer.from(k).toString('hex'));
    expect(new Set(keys).size).to.equal(4);
    expect(Buffer.from(streamKeys(callKey, SID, 'audio', 'caller').send)).to.deep.equal(Buffer.from(streamKeys(callKey, SID, 'audio', 'callee').receive));
  });

  it('opens frames in any order within the window, each once', () => {
    const { sealer, opener } = pair();
    const frames = Array.from({ length: 10 }, (_, i) => ({ data: new Uint8Array([i, i + 1, i + 2]), ...sealer.seal(new Uint8Array([i, i + 1, i + 2])) }));
    expect(frames.map((f) => f.seq)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const f of [...frames].reverse()) expect(opener.open(f.seq, f.sealed)).to.deep.equal(f.data);
    expect(opener.counters).to.deep.equal({ opened: 10, forged: 0, replayed: 0 });
    expect(opener.open(frames[3]!.seq, frames[3]!.sealed)).to.equal(null);
    expect(opener.counters.replayed).to.equal(1);
  });

  it('drops and counts forged frames: flipped bit, wrong sequence, other stream, other direction, garbage', () => {
    const { sealer, opener, callKey } = pair();
    const { seq, sealed } = sealer.seal(new Uint8Array(64).fill(7));
    const flipped = sealed.slice();
    flipped[5]! ^= 1;
    expect(opener.open(seq, flipped)).to.equal(null);
    expect(opener.open(seq + 1, sealed)).to.equal(null); // the sequence is bound by the nonce
    const otherStream = new MediaOpener(streamKeys(callKey, SID, 'audio', 'callee').receive, VSID, 'audio');
    expect(otherStream.open(seq, sealed)).to.equal(null);
    const ownKey = new MediaOpener(streamKeys(callKey, SID, 'audio', 'caller').receive, SID, 'audio');
    expect(ownKey.open(seq, sealed)).to.equal(null); // a reflected frame of our own does not open
    expect(opener.open(seq, new Uint8Array(3))).to.equal(null);
    expect(opener.counters).to.deep.equal({ opened: 0, forged: 3, replayed: 0 });
    expect(otherStream.counters.forged + ownKey.counters.forged).to.equal(2);
    // A forged frame did not consume its sequence number: the real one still opens.
    expect(opener.open(seq, sealed)).to.deep.equal(new Uint8Array(64).fill(7));
  });

  it('refuses numbers that fell out of the window', () => {
    const window = new ReplayWindow();
    window.mark(REPLAY_WINDOW + 10);
    expect(window.fresh(10)).to.equal(false);
    expect(window.fresh(11)).to.equal(true);
    window.mark(11);
    expect(window.fresh(11)).to.equal(false);
    window.mark(5 * REPLAY_WINDOW);
    expect(window.fresh(REPLAY_WINDOW + 10)).to.equal(false);
    expect(window.fresh(5 * REPLAY_WINDOW - 1)).to.equal(true);
  });

  it('wipes keys at the end of a call', () => {
    const callKey = new Uint8Array(randomBytes(32));
    const key = streamKeys(callKey, SID, 'audio', 'caller').send;
    const sealer = new MediaSealer(key, SID, 'audio');
    sealer.wipe();
    expect(key.every((b) => b === 0)).to.equal(true);
  });
});
