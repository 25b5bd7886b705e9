/**
 * A full disk is the machine's state, not a bug in chat. Bob's data dir is a small tmpfs filled
 * to the last byte: a message Alice sends him waits (neither refused nor failed, chat keeps
 * running on both sides), his own send is answered 507 KITH_ERR_DISK_FULL with nothing stored;
 * once there is room again Alice's message is delivered by the bus's retransmits alone and Bob
 * sends as before. Nothing already stored is lost, and a persona created meanwhile is refused
 * whole with the same answer.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { needs } from '../../../test/support/needs.js';
import { mountSmallDisk, type SmallDisk } from '../../../test/support/small-disk.js';

interface Message { id: string; body: string; state: string }

describe('chat: a full disk on the receiver holds messages and loses nothing', function () {
  this.timeout(180_000);
  needs('tmpfs');
  let rendezvous: TestRendezvous | undefined;
  let alice: TestHost | undefined;
  let bob: TestHost | undefined;
  let disk: SmallDisk | undefined;
  const filler = () => path.join(disk!.dir, 'filler');
  const key = (h: TestHost) => h.persona!.key;
  const history = async (h: TestHost, friend: TestHost): Promise<Message[]> =>
    (await h.request<{ messages: Message[] }>('GET', `/friends/${key(friend)}/messages?limit=200`)).messages;
  const running = async (h: TestHost) =>
    (await h.request<{ extensions: { id: string; running: boolean; faulted: boolean }[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'chat');

  before(async () => {
    disk = mountSmallDisk('kith-chat-full', 48);
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice' }), startTestHost({ name: 'Bob', dataDir: path.join(disk.dir, 'bob') })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    disk?.remove();
  });

  it('holds Alice\'s message while Bob\'s disk is full, refuses Bob\'s own send clearly, and delivers once there is room', async () => {
    const before = await alice!.request<{ id: string }>('POST', `/sessions/${key(bob!)}/messages`, { body: 'before the disk filled' });
    await eventually('delivered before', async () => (await history(alice!, bob!)).find((m) => m.id === before.id)?.state === 'delivered');

    // Fill Bob's disk to the last byte (dd stops at ENOSPC).
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler()}`, 'bs=1M', 'count=256'], { stdio: 'ignore' });
    } catch {
      // "No space left on device": what this step wants
    }
    const sent = await alice!.request<{ id: string }>('POST', `/sessions/${key(bob!)}/messages`, { body: 'while the disk is full' });
    // Bob's answer to his own send: nothing stored, a clear reason, chat still running.
    const own = await bob!.call('POST', `/sessions/${key(alice!)}/messages`, { body: 'from a full disk' });
    expect(own.status).to.equal(507);
    expect(own.body.error.code).to.equal('KITH_ERR_DISK_FULL');
    expect(own.body.error.message).to.match(/disk is full.*nothing was stored/i);
    // The same for the host's own writes: a second persona is refused whole, with the same words.
    const personas = async () => {
      const listed = await bob!.request<unknown[] | { personas: unknown[] }>('GET', '/personas');
      return (Array.isArray(listed) ? listed : listed.personas).length;
    };
    const personasBefore = await personas();
    expect(personasBefore).to.equal(1);
    const persona = await bob!.call('POST', '/personas', { label: 'Second', passphrase: 'correct horse battery staple' });
    expect(persona.status).to.equal(507);
    expect(persona.body.error.code).to.equal('KITH_ERR_DISK_FULL');
    expect(await personas()).to.equal(personasBefore);
    // Alice's message waits: not refused, not failed, and it did not reach Bob.
    await new Promise((r) => setTimeout(r, 3_000));
    const waiting = (await history(alice!, bob!)).find((m) => m.id === sent.id);
    expect(waiting?.state).to.be.oneOf(['queued', 'sent']);
    expect(await running(bob!)).to.include({ running: true, faulted: false });
    expect(await running(alice!)).to.include({ running: true, faulted: false });

    fs.rmSync(filler());
    // The bus's retransmits bring it; nobody retries by hand.
    await eventually('delivered after the room came back', async () => (await history(alice!, bob!)).find((m) => m.id === sent.id)?.state === 'delivered', 60_000);
    const atBob = await history(bob!, alice!);
    expect(atBob.map((m) => m.body)).to.include.members(['before the disk filled', 'while the disk is full']);
    expect(atBob.filter((m) => m.body === 'while the disk is full')).to.have.length(1);
    expect(atBob.map((m) => m.body)).not.to.include('from a full disk');
    const again = await bob!.request<{ id: string }>('POST', `/sessions/${key(alice!)}/messages`, { body: 'room again' });
    await eventually('Bob\'s message delivered', async () => (await history(bob!, alice!)).find((m) => m.id === again.id)?.state === 'delivered');
  });
});
