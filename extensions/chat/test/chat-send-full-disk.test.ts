/**
 * Chat on a disk that fills between two writes. A send, between the message row and the queue row: the message cannot be
 * taken back either, so the answer says it is kept here (never "nothing was stored"), and a retry
 * under its id hands it to the bus once there is room; the friend gets it once. When the delete
 * works, the answer is the plain 507 and nothing stays. An edit the bus refuses is taken back,
 * so both sides show the same text; when that cannot be written either, the answer says the edit
 * stays here only, and editing again sends it. (An outside tester saw a send answered "nothing
 * was stored" delivered after the next start, and an edit answered so kept on one side only.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';

interface Message { id: string; body: string; state: string }

describe('chat: a send the disk filled under', function () {
  this.timeout(180_000);
  let rendezvous: TestRendezvous | undefined;
  let alice: TestHost | undefined;
  let bob: TestHost | undefined;
  const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kith-chat-full-flag-')), 'flag');
  const key = (h: TestHost) => h.persona!.key;
  const history = async (h: TestHost, friend: TestHost): Promise<Message[]> =>
    (await h.request<{ messages: Message[] }>('GET', `/friends/${key(friend)}/messages?limit=200`)).messages;
  const send = (id: string, body: string) => alice!.call('POST', `/sessions/${key(bob!)}/messages`, { body, id });

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([
      startTestHost({
        name: 'Alice',
        builtinEntries: { chat: path.resolve('extensions/chat/test/support/full-disk-chat.ts') },
        env: { KITH_TEST_FULL_DISK_FLAG: flag },
      }),
      startTestHost({ name: 'Bob' }),
    ]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(path.dirname(flag), { recursive: true, force: true });
  });

  it('says "nothing was stored" only when nothing was', async () => {
    fs.writeFileSync(flag, 'send');
    const refused = await send('a'.repeat(32), 'refused whole');
    expect(refused.status).to.equal(507);
    expect(refused.body.error.message).to.match(/nothing was stored/);
    expect((await history(alice!, bob!)).map((m) => m.body)).not.to.include('refused whole');
  });

  it('says a message it could not take back is kept, and sends it on a retry under its id', async () => {
    const id = 'b'.repeat(32);
    fs.writeFileSync(flag, 'send,delete');
    const kept = await send(id, 'kept on a full disk');
    expect(kept.status).to.equal(507);
    expect(kept.body.error.code).to.equal('KITH_ERR_DISK_FULL');
    expect(kept.body.error.message).to.equal(
      'The disk is full: the message is kept here but not sent yet. Send it again under the same id once there is room (it also goes out at the next unlock)',
    );
    expect((await history(alice!, bob!)).find((m) => m.id === id)?.state).to.equal('queued');
    // Still full: the retry is refused with the same words, and the message stays.
    const stillFull = await send(id, 'kept on a full disk');
    expect(stillFull.status).to.equal(507);
    expect(stillFull.body.error.message).to.equal(kept.body.error.message);
    expect((await history(alice!, bob!)).find((m) => m.id === id)?.state).to.equal('queued');

    fs.writeFileSync(flag, '');
    const retried = await send(id, 'kept on a full disk');
    expect(retried.status).to.equal(201);
    await eventually('delivered', async () => (await history(alice!, bob!)).find((m) => m.id === id)?.state === 'delivered');
    expect((await history(bob!, alice!)).filter((m) => m.id === id)).to.have.length(1);
  });

  it('does not take back a message the bus took when noting its receipt meets a full disk', async () => {
    const id = 'd'.repeat(32);
    fs.writeFileSync(flag, 'receipt');
    const sent = await send(id, 'taken by the bus');
    fs.writeFileSync(flag, '');
    expect(sent.status).to.equal(201);
    await eventually('delivered', async () => (await history(alice!, bob!)).find((m) => m.id === id)?.state === 'delivered');
    expect((await history(bob!, alice!)).filter((m) => m.id === id)).to.have.length(1);
  });

  it('takes back an edit the friend will not get, or says it stays here only; editing again sends it', async () => {
    const sent = await send('c'.repeat(32), 'first words');
    expect(sent.status).to.equal(201);
    const id = sent.body.id as string;
    await eventually('delivered', async () => (await history(alice!, bob!)).find((m) => m.id === id)?.state === 'delivered');
    const editTo = (body: string) => alice!.call('POST', `/chat_messages/${id}`, { body });
    const bodyAt = async (h: TestHost, friend: TestHost) => (await history(h, friend)).find((m) => m.id === id)?.body;

    fs.writeFileSync(flag, 'send');
    const refused = await editTo('second words');
    expect(refused.status).to.equal(507);
    expect(refused.body.error.message).to.match(/nothing was stored/);
    expect(await bodyAt(alice!, bob!), 'taken back').to.equal('first words');

    fs.writeFileSync(flag, 'send,update');
    const kept = await editTo('third words');
    expect(kept.status).to.equal(507);
    expect(kept.body.error.message).to.equal('The disk is full: the edit is kept here but your friend does not have it yet. Edit the message again once there is room to send it');
    expect(await bodyAt(alice!, bob!)).to.equal('third words');

    fs.writeFileSync(flag, '');
    expect((await editTo('fourth words')).status).to.equal(200);
    await eventually('the friend has the edit', async () => (await bodyAt(bob!, alice!)) === 'fourth words');
  });
});
