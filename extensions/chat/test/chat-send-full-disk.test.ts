/**
 * A send on a disk that filled between the message row and the queue row: the message cannot be
 * taken back either, so the answer says it is kept here (never "nothing was stored"), and a retry
 * under its id hands it to the bus once there is room; the friend gets it once. When the delete
 * works, the answer is the plain 507 and nothing stays. (An outside tester saw a send answered
 * "nothing was stored" delivered after the next start.)
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
    // Still full: the retry is refused the same way, and the message stays.
    expect((await send(id, 'kept on a full disk')).status).to.equal(507);

    fs.writeFileSync(flag, '');
    const retried = await send(id, 'kept on a full disk');
    expect(retried.status).to.equal(201);
    await eventually('delivered', async () => (await history(alice!, bob!)).find((m) => m.id === id)?.state === 'delivered');
    expect((await history(bob!, alice!)).filter((m) => m.id === id)).to.have.length(1);
  });
});
