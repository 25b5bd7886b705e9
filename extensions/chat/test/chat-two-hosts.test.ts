/**
 * Chat between two real hosts (separate processes, real UDP session, real SQLite) through its HTTP
 * API: idempotent sends, refusal then Retry, replies, reactions, "deleted" markers and the
 * friend-list event the conversation list follows.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { BURST } from '../src/typing-gate.js';

interface Message { id: string; body: string; state: string; from_me: boolean; deleted_at: number | null; reply_to: any; reactions: any[] }

describe('chat between two hosts: retry, replies, reactions, deleted markers', function () {
  this.timeout(180_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const history = async (h: TestHost, friend: TestHost): Promise<Message[]> =>
    (await h.request<{ messages: Message[] }>('GET', `/friends/${key(friend)}/messages?limit=200`)).messages;
  const find = async (h: TestHost, friend: TestHost, id: string) => (await history(h, friend)).find((m) => m.id === id);

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => net?.close());

  it('tells the page when a friend is saved, so the conversation list needs no reload', async () => {
    const saved = await alice.events.waitFor<{ peer: string; change: string }>('chat:friends', (e) => e.peer === key(bob), 10_000);
    expect(saved.change).to.equal('saved');
  });

  it('stores and sends a message once however often the page posts it with the same id', async () => {
    const id = 'a1'.repeat(16);
    const posts = await Promise.all([1, 2, 3].map(() => alice.call('POST', `/sessions/${key(bob)}/messages`, { body: 'only once', id })));
    for (const post of posts) expect(post.body.id).to.equal(id);
    await eventually('the message at Bob', async () => (await find(bob, alice, id))?.body === 'only once');
    await eventually('Delivered at Alice', async () => (await find(alice, bob, id))?.state === 'delivered');
    expect((await history(alice, bob)).filter((m) => m.id === id)).to.have.length(1);
    expect((await history(bob, alice)).filter((m) => m.id === id)).to.have.length(1);
    const taken = await bob.call('POST', `/sessions/${key(alice)}/messages`, { body: 'not mine', id });
    expect(taken.status).to.equal(409);
    // Other text under the same id is another message, not a retry: refused, the first one kept.
    const other = await alice.call('POST', `/sessions/${key(bob)}/messages`, { body: 'something else', id });
    expect(other.status).to.equal(409);
    expect(other.body.error.message).to.match(/same text/);
    expect((await find(alice, bob, id))?.body).to.equal('only once');
  });

  it('refuses a page id another conversation holds, so /chat_messages/:msg_id names one message', async () => {
    const id = 'b2'.repeat(16);
    expect((await alice.call('POST', '/self/messages', { body: 'a note', id })).status).to.equal(201);
    const again = await alice.call('POST', `/sessions/${key(bob)}/messages`, { body: 'same id, other chat', id });
    expect(again.status).to.equal(409);
    expect(again.body.error.message).to.match(/another conversation/);
    // The note is still the one message of that id, and an edit by id reaches it.
    expect((await alice.call('POST', `/chat_messages/${id}`, { body: 'an edited note' })).body.body).to.equal('an edited note');
    expect((await find(alice, bob, id))).to.equal(undefined);
    // A lone surrogate (no UTF-8 exists for it) answers as every later read will show it.
    const odd = await alice.request<Message>('POST', '/self/messages', { body: 'half \ud800 a pair' });
    expect(odd.body).to.equal('half \ufffd a pair');
    expect((await alice.request<{ messages: Message[] }>('GET', '/self/messages')).messages.find((m) => m.id === odd.id)?.body).to.equal(odd.body);
    // The same id posted again to its own conversation is still the idempotent retry.
    expect((await alice.call('POST', '/self/messages', { body: 'a note', id })).body.id).to.equal(id);
  });

  it('gates typing: a page flooding start/stop reaches the friend as a handful of events', async () => {
    const before = bob.events.received.filter((e) => e.name === 'chat:typing').length;
    for (let i = 0; i < 2000; i++) alice.events.emit('chat:typing', { peer: key(bob), typing: i % 2 === 0 });
    await eventually('the first typing event at Bob', async () => bob.events.received.filter((e) => e.name === 'chat:typing').length > before);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const arrived = bob.events.received.filter((e) => e.name === 'chat:typing').length - before;
    // The burst (4) plus what refilled while the flood was read (1 a second).
    expect(arrived).to.be.within(1, BURST + 3);
  });

  it('marks a message refused while the friend has chat off, and Retry delivers it once chat is on', async () => {
    await bob.request('POST', '/extensions/chat', { enabled: false });
    const sent = await alice.request<Message>('POST', `/sessions/${key(bob)}/messages`, { body: 'are you there?' });
    const refused = await alice.events.waitFor<{ message: Message }>('chat:message-updated', (e) => e.message?.id === sent.id && e.message.state === 'refused', 30_000);
    expect(refused.message.body).to.equal('are you there?');
    const nack = await alice.events.waitFor<{ peer: string; message: string }>('chat:nack', (e) => e.peer === key(bob));
    expect(nack.message).to.equal('Your friend has chat turned off');
    await bob.request('POST', '/extensions/chat', { enabled: true });
    await eventually('chat on at Bob', async () => (await bob.call('GET', `/friends/${key(alice)}/messages`)).status === 200);
    const retried = await alice.request<Message>('POST', `/chat_messages/${sent.id}/retry`);
    expect(retried.state).to.be.oneOf(['queued', 'sent', 'delivered']);
    await eventually('Delivered after Retry', async () => (await find(alice, bob, sent.id))?.state === 'delivered', 30_000);
    expect((await find(bob, alice, sent.id))?.body).to.equal('are you there?');
    // A second Retry of a delivered message changes nothing.
    expect((await alice.request<Message>('POST', `/chat_messages/${sent.id}/retry`)).state).to.equal('delivered');
  });

  it('sends a reply with its quote and reactions both ways', async () => {
    const question = await bob.request<Message>('POST', `/sessions/${key(alice)}/messages`, { body: 'lunch at noon?' });
    await eventually('the question at Alice', async () => (await find(alice, bob, question.id)) !== undefined);
    const reply = await alice.request<Message>('POST', `/sessions/${key(bob)}/messages`, { body: 'yes!', reply_to: question.id });
    expect(reply.reply_to).to.deep.equal({ id: question.id, from_me: false, body: 'lunch at noon?' });
    await eventually('the reply at Bob', async () => (await find(bob, alice, reply.id))?.reply_to?.body === 'lunch at noon?');
    expect((await find(bob, alice, reply.id))!.reply_to.from_me).to.equal(true);

    await alice.request('POST', `/chat_messages/${question.id}/reaction`, { emoji: '👍' });
    await eventually('the reaction at Bob', async () => JSON.stringify((await find(bob, alice, question.id))?.reactions) === JSON.stringify([{ from_me: false, emoji: '👍' }]));
    await bob.request('POST', `/chat_messages/${question.id}/reaction`, { emoji: '❤️' });
    await eventually('both reactions at Alice', async () => ((await find(alice, bob, question.id))?.reactions ?? []).length === 2);
    await alice.request('POST', `/chat_messages/${question.id}/reaction`, { emoji: '' });
    await eventually('the reaction taken back at Bob', async () => JSON.stringify((await find(bob, alice, question.id))?.reactions) === JSON.stringify([{ from_me: true, emoji: '❤️' }]));
    expect((await alice.call('POST', `/chat_messages/${question.id}/reaction`, { emoji: 'lol' })).status).to.equal(400);
    expect((await alice.call('POST', `/sessions/${key(bob)}/messages`, { body: 'x', reply_to: 'f0'.repeat(16) })).status).to.equal(404);
  });

  it('answers a POST with the message as a later GET reads it, plain or a reply', async () => {
    // The POST's answer is built from what was written, not read back: it must not drift from the row.
    const plain = await alice.request<Message>('POST', `/sessions/${key(bob)}/messages`, { body: 'as stored' });
    const reply = await alice.request<Message>('POST', `/sessions/${key(bob)}/messages`, { body: 'a reply', reply_to: plain.id });
    await eventually('both delivered', async () => (await find(alice, bob, reply.id))?.state === 'delivered' && (await find(alice, bob, plain.id))?.state === 'delivered');
    for (const answered of [plain, reply]) {
      const read = (await find(alice, bob, answered.id))!;
      // Only the delivery state moves on after the answer (sent or queued, then delivered).
      expect({ ...answered, state: read.state }).to.deep.equal(read);
      expect(answered.state).to.be.oneOf(['queued', 'sent', 'delivered']);
    }
  });

  it('leaves a "deleted" marker at the friend when a message is deleted for both', async () => {
    const sent = await alice.request<Message>('POST', `/sessions/${key(bob)}/messages`, { body: 'oops, wrong chat' });
    await eventually('the message at Bob', async () => (await find(bob, alice, sent.id)) !== undefined);
    await alice.request('DELETE', `/chat_messages/${sent.id}?mutual=1`);
    await eventually('the marker at Bob', async () => (await find(bob, alice, sent.id))?.deleted_at !== null);
    const marker = (await find(bob, alice, sent.id))!;
    expect(marker.body).to.equal('');
    expect(await find(alice, bob, sent.id)).to.equal(undefined);
    const hits = (await bob.request<{ messages: Message[] }>('GET', `/friends/${key(alice)}/messages?q=wrong`)).messages;
    expect(hits).to.deep.equal([]);
  });
});
