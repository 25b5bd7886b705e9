import { expect } from 'chai';
import { x25519 } from '@noble/curves/ed25519.js';
import { ephemeralFromPrivate, kkInitiate, kkRespond, type StaticKey } from '../../src/net/noise-kk.js';
import { open, seal } from '../../src/net/aead.js';
import { ReplayWindow, REPLAY_WINDOW } from '../../src/net/replay-window.js';

const hex = (s: string) => Buffer.from(s, 'hex');
function staticKey(privateHex: string): StaticKey {
  const priv = hex(privateHex);
  return { publicKey: x25519.getPublicKey(priv), sharedSecret: (pub) => x25519.getSharedSecret(priv, pub) };
}

// The cacophony test vector for Noise_KK_25519_ChaChaPoly_SHA256 (github.com/haskell-cryptography/cacophony,
// also shipped with the `snow` Rust crate).
const V = {
  prologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: '24c6b51ecb76277140ca018b5985bc9f03de321dae2d34dcae433dafef0131d9',
  messages: [
    ['4c756477696720766f6e204d69736573', 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79440177015efc1fe7a37c629af7120a96274e6ab7afcc9261901d0e09ae32a5bb96'],
    ['4d757272617920526f746862617264', '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843b274d3429adc47ca093ba63ef90f8da89fda108db471dccfa4894aa7b00003'],
    ['462e20412e20486179656b', '966b05bc69ec01b8454d3160a214e6f24a3d884eb31ec2408af63f'],
    ['4361726c204d656e676572', '0ad887fba4f611bbb4afe44ba3556b8164332ca7d5934634d63d80'],
  ],
} as const;

describe('net/noise-kk', () => {
  it('reproduces the cacophony Noise_KK_25519_ChaChaPoly_SHA256 vector', () => {
    const init = staticKey(V.initStatic);
    const resp = staticKey(V.respStatic);
    const prologue = hex(V.prologue);
    const initiator = kkInitiate({
      localStatic: init, remoteStatic: resp.publicKey, payload: hex(V.messages[0][0]), prologue,
      ephemeral: ephemeralFromPrivate(hex(V.initEphemeral)),
    });
    expect(initiator.message.toString('hex')).to.equal(V.messages[0][1]);

    const responder = kkRespond({
      localStatic: resp, remoteStatic: init.publicKey, message: initiator.message, prologue,
      ephemeral: ephemeralFromPrivate(hex(V.respEphemeral)),
    })!;
    expect(responder.payload.toString('hex')).to.equal(V.messages[0][0]);
    const answer = responder.answer(hex(V.messages[1][0]));
    expect(answer.message.toString('hex')).to.equal(V.messages[1][1]);
    expect(answer.keys.handshakeHash.toString('hex')).to.equal(V.handshakeHash);

    const done = initiator.readMessage2(answer.message)!;
    expect(done.payload.toString('hex')).to.equal(V.messages[1][0]);
    expect(done.keys.handshakeHash.toString('hex')).to.equal(V.handshakeHash);
    // Transport messages: counter 0 in each direction, empty associated data.
    expect(seal(done.keys.send, 0, Buffer.alloc(0), hex(V.messages[2][0])).toString('hex')).to.equal(V.messages[2][1]);
    expect(seal(answer.keys.send, 0, Buffer.alloc(0), hex(V.messages[3][0])).toString('hex')).to.equal(V.messages[3][1]);
    expect(open(answer.keys.receive, 0, Buffer.alloc(0), hex(V.messages[2][1]))!.toString('hex')).to.equal(V.messages[2][0]);
  });

  it('refuses a HELLO from someone without the initiator static key (no hijack)', () => {
    const a = staticKey('11'.repeat(32));
    const b = staticKey('22'.repeat(32));
    const mallory = staticKey('33'.repeat(32));
    // Mallory knows both public keys but not a's private key.
    const forged = kkInitiate({ localStatic: { publicKey: a.publicKey, sharedSecret: mallory.sharedSecret }, remoteStatic: b.publicKey, payload: Buffer.alloc(8) });
    expect(kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: forged.message })).to.equal(undefined);
    const real = kkInitiate({ localStatic: a, remoteStatic: b.publicKey, payload: Buffer.alloc(8) });
    const tampered = Buffer.from(real.message);
    tampered[40] = tampered[40]! ^ 1;
    expect(kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: tampered })).to.equal(undefined);
    expect(kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: real.message })).to.not.equal(undefined);
  });

  it('refuses low-order ephemeral keys (all-zero DH) instead of keying with a known secret', () => {
    const a = staticKey('66'.repeat(32));
    const b = staticKey('77'.repeat(32));
    const real = kkInitiate({ localStatic: a, remoteStatic: b.publicKey, payload: Buffer.alloc(8) });
    const lowOrder = Buffer.concat([Buffer.alloc(32), real.message.subarray(32)]);
    expect(kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: lowOrder })).to.equal(undefined);
    const answer = kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: real.message })!.answer(Buffer.alloc(0));
    const badAck = Buffer.concat([Buffer.alloc(32), answer.message.subarray(32)]);
    expect(real.readMessage2(badAck)).to.equal(undefined);
  });

  it('gives each handshake fresh keys (forward secrecy through ephemerals)', () => {
    const a = staticKey('44'.repeat(32));
    const b = staticKey('55'.repeat(32));
    const run = () => {
      const i = kkInitiate({ localStatic: a, remoteStatic: b.publicKey, payload: Buffer.alloc(0) });
      const r = kkRespond({ localStatic: b, remoteStatic: a.publicKey, message: i.message })!.answer(Buffer.alloc(0));
      const keys = i.readMessage2(r.message)!.keys;
      expect(keys.send.equals(r.keys.receive)).to.equal(true);
      expect(keys.receive.equals(r.keys.send)).to.equal(true);
      return keys.send.toString('hex');
    };
    expect(run()).to.not.equal(run());
  });
});

describe('net/replay-window', () => {
  it('accepts each counter once, in any order inside the window', () => {
    const w = new ReplayWindow();
    for (const c of [0, 2, 1, 5, 3]) expect(w.commit(c)).to.equal(true);
    for (const c of [0, 1, 2, 3, 5]) expect(w.commit(c)).to.equal(false);
    expect(w.commit(4)).to.equal(true);
  });

  it('refuses counters older than the window and jumps cleanly', () => {
    const w = new ReplayWindow();
    expect(w.commit(10_000)).to.equal(true);
    expect(w.wouldAccept(10_000 - REPLAY_WINDOW)).to.equal(false);
    expect(w.wouldAccept(10_000 - REPLAY_WINDOW + 1)).to.equal(true);
    expect(w.commit(10_000 + 3 * REPLAY_WINDOW)).to.equal(true);
    expect(w.wouldAccept(10_000 + 3 * REPLAY_WINDOW - 1)).to.equal(true);
    expect(w.wouldAccept(-1)).to.equal(false);
    expect(w.wouldAccept(2 ** 60)).to.equal(false);
  });
});
