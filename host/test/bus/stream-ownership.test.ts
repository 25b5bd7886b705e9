import { expect } from 'chai';
import type { InboundEvent, KindRegistry, NackReport, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { friendStreamId, streamOwnerPrefix } from '../../src/bus/stream-ids.js';
import { forFriend as childForFriend } from '../../src/extensions/isolation/child-stream-ids.mjs';
import type { TestPeer } from './support/test-peer.js';
import { freshPeersEachTest, linkPair, until } from './support/link-pair.js';

const ALICE = 'a1'.repeat(32);
const BOB = 'b2'.repeat(32);

describe('bus: a stream belongs to one extension', () => {
  describe('derived stream ids', () => {
    it('are the same for both friends, differ by extension and purpose, and name their extension in the first 8 bytes', () => {
      const chat = friendStreamId(ALICE, BOB, 'chat', 'chat');
      expect(chat).to.equal('de94c6a6c09947089c95510bec756488'); // the vector in docs/wire/reliability.md
      expect(friendStreamId(BOB, ALICE, 'chat', 'chat')).to.equal(chat);
      expect(chat).to.match(/^[0-9a-f]{32}$/);
      const other = friendStreamId(ALICE, BOB, 'evil', 'chat');
      expect(other).to.not.equal(chat);
      expect(other.slice(16)).to.not.equal(chat.slice(16));
      expect(friendStreamId(ALICE, BOB, 'chat', 'typing').slice(0, 16)).to.equal(chat.slice(0, 16));
      expect(chat.slice(0, 16)).to.equal(streamOwnerPrefix(BOB, ALICE, 'chat'));
      expect(other.slice(0, 16)).to.equal(streamOwnerPrefix(ALICE, BOB, 'evil'));
    });

    it('come out the same in an extension\'s own process (a separate implementation)', () => {
      const rebuild = (e: { message: string }) => new Error(e.message);
      for (const [ext, purpose] of [['chat', 'chat'], ['pairing', 'friendship'], ['x.y-z', 'p'.repeat(64)]] as const) {
        expect(childForFriend(ALICE, BOB, ext, purpose, rebuild)).to.equal(friendStreamId(ALICE, BOB, ext, purpose));
        expect(childForFriend(BOB, ALICE, ext, purpose, rebuild)).to.equal(friendStreamId(ALICE, BOB, ext, purpose));
      }
      expect(() => childForFriend(ALICE, BOB, 'chat', '', rebuild)).to.throw('1 to 64');
      expect(() => friendStreamId(ALICE, 'nope', 'chat', 'chat')).to.throw('64 lowercase hex');
    });
  });

  describe('between two peers over UDP loopback', () => {
    const peers = freshPeersEachTest();
    let a: TestPeer;
    let b: TestPeer;
    beforeEach(() => ({ a, b } = peers));

    function contextOf(peer: TestPeer, id: string, kinds: string[], builtin = false) {
      const scope = peer.scope(id, kinds, { builtin });
      const providers = busProviders(peer.engine, () => undefined);
      return {
        kinds: providers.kinds!(scope) as KindRegistry,
        sessions: providers.sessions!(scope) as Sessions,
        streams: providers.streams!(scope) as Streams,
      };
    }

    it('refuses a send on a stream derived for another extension, even before that extension sent on it', async () => {
      const bob = b.keys.masterPublicKey;
      const chat = contextOf(a, 'chat', ['chat.text'], true);
      const evil = contextOf(a, 'evil', ['evil.x']);
      const chatStream = chat.streams.forFriend(bob, 'chat');
      expect(evil.streams.forFriend(bob, 'chat')).to.not.equal(chatStream);
      // Nothing was sent on chat's stream yet: its id alone says whose it is.
      const refused = await evil.sessions.send(bob, chatStream, 'evil.x', {}).catch((e: unknown) => e);
      expect(refused).to.include({ code: 'KITH_ERR_FORBIDDEN' });
      expect((refused as Error).message).to.contain('belongs to extension chat');
      expect((await chat.sessions.send(bob, chatStream, 'chat.text', { id: 'm1' })).seq).to.equal(1);
      // Its own derived streams are its own.
      expect((await evil.sessions.send(bob, evil.streams.forFriend(bob, 'chat'), 'evil.x', {})).seq).to.equal(1);
    });

    it('gives a random stream to the first extension that uses it', async () => {
      const bob = b.keys.masterPublicKey;
      const first = contextOf(a, 'first', ['first.x']);
      const second = contextOf(a, 'second', ['second.x']);
      const stream = first.streams.random();
      await first.sessions.send(bob, stream, 'first.x', {});
      const refused = await second.sessions.send(bob, stream, 'second.x', {}).catch((e: unknown) => e);
      expect(refused).to.include({ code: 'KITH_ERR_FORBIDDEN' });
      expect((await first.sessions.send(bob, stream, 'first.x', {})).seq).to.equal(2);
      expect((await second.sessions.send(bob, second.streams.random(), 'second.x', {})).seq).to.equal(1);
    });

    it('does not hand another extension\'s events on a stream to a handler: a hung one holds nothing up, and the sender hears why', async () => {
      const alice = a.keys.masterPublicKey;
      const bob = b.keys.masterPublicKey;
      // On alice's side chat is not running, so her host cannot tell chat's stream from any other:
      // what a friend whose host lets anything through would send.
      const evilOut = contextOf(a, 'evil', ['evil.x']);
      const chatIn = contextOf(b, 'chat', ['chat.text'], true);
      const evilIn = contextOf(b, 'evil', ['evil.x']);
      const got: string[] = [];
      let evilCalls = 0;
      chatIn.kinds.register('chat.text', (event: InboundEvent) => void got.push(String(event.header.id)));
      evilIn.kinds.register('evil.x', () => {
        evilCalls++;
        return new Promise<void>(() => undefined); // never settles
      });
      const chatStream = chatIn.streams.forFriend(alice, 'chat');
      const nacks: NackReport[] = [];
      evilOut.sessions.onDidNack((n) => nacks.push(n));

      // evil's first send is before chat ever used the stream on alice's host.
      await evilOut.sessions.send(bob, chatStream, 'evil.x', { n: 1 });
      const chatOut = contextOf(a, 'chat', ['chat.text'], true);
      expect(chatOut.streams.forFriend(bob, 'chat')).to.equal(chatStream);
      peers.pair = await linkPair(a, b);
      await chatOut.sessions.send(bob, chatStream, 'chat.text', { id: 'm1' });
      await chatOut.sessions.send(bob, chatStream, 'chat.text', { id: 'm2' });
      await until(() => got.length === 2 && nacks.length === 1, 5000, 'chat delivered past the refused event');
      expect(got).to.deep.equal(['m1', 'm2']);
      expect(evilCalls).to.equal(0);
      expect(nacks[0]).to.include({ reason: 'stream-not-owned', kind: 'evil.x', stream: chatStream });

      // The same for a random stream chat took first on bob's side.
      const random = chatOut.streams.random();
      await chatOut.sessions.send(bob, random, 'chat.text', { id: 'm3' });
      await until(() => got.length === 3, 5000, 'the random stream taken');
      const refusedOnA = await evilOut.sessions.send(bob, random, 'evil.x', {}).catch((e: unknown) => e);
      expect(refusedOnA).to.include({ code: 'KITH_ERR_FORBIDDEN' });
      expect(evilCalls).to.equal(0);
    });
  });
});
