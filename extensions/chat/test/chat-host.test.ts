/** Chat against a real host (real HTTP, real SQLite file, real sealing): one persona, no network. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestHost, type TestHost, type TestPersona } from '@kith/sdk/testing';

describe('chat extension on a real host', function () {
  this.timeout(60_000);
  let t: TestHost;

  async function call(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await t.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  let dataDir: string;
  let persona: TestPersona;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-chat-test-'));
    t = await startTestHost({ extensions: [], builtin: true, dataDir });
    persona = await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps notes to self, edits, deletes and clears them', async () => {
    const first = await call('POST', '/self/messages', { body: 'buy milk' });
    expect(first.status).to.equal(201);
    expect(first.body).to.include({ body: 'buy milk', from_me: true, peer: 'self' });
    expect(first.body.id).to.match(/^[0-9a-f]{32}$/);
    const edited = await call('POST', `/chat_messages/${first.body.id}`, { body: 'buy oat milk' });
    expect(edited.body.body).to.equal('buy oat milk');
    expect(edited.body.edited_at).to.be.a('number');
    const second = await call('POST', '/self/messages', { body: 'call mum' });
    expect((await call('GET', '/self/messages')).body.messages.map((m: any) => m.body)).to.deep.equal(['buy oat milk', 'call mum']);
    expect((await call('DELETE', `/chat_messages/${second.body.id}`)).status).to.equal(204);
    expect((await call('GET', '/self/messages')).body.messages).to.have.length(1);
    expect((await call('DELETE', '/self/messages')).body).to.deep.equal({ removed: 1 });
    expect((await call('GET', '/self/messages')).body.messages).to.deep.equal([]);
  });

  it('pages history by cursor, newest page first, and searches sealed bodies', async () => {
    for (let i = 0; i < 120; i++) await call('POST', '/self/messages', { body: `note number ${i}` });
    const newest = (await call('GET', '/self/messages?limit=50')).body;
    expect(newest.messages).to.have.length(50);
    expect(newest.messages[49].body).to.equal('note number 119');
    expect(newest.messages[0].body).to.equal('note number 70');
    const older = (await call('GET', `/self/messages?limit=50&before=${newest.next_cursor}`)).body;
    expect(older.messages[49].body).to.equal('note number 69');
    const oldest = (await call('GET', `/self/messages?limit=50&before=${older.next_cursor}`)).body;
    expect(oldest.messages).to.have.length(20);
    expect(oldest.next_cursor).to.equal(null);
    const hits = (await call('GET', '/self/messages?q=NUMBER%2011')).body.messages.map((m: any) => m.body);
    expect(hits).to.have.members(['note number 11', 'note number 110', 'note number 111', 'note number 112', 'note number 113',
      'note number 114', 'note number 115', 'note number 116', 'note number 117', 'note number 118', 'note number 119']);
    const since = (await call('GET', `/self/messages?after=${newest.messages[47].cursor}`)).body.messages.map((m: any) => m.body);
    expect(since).to.deep.equal(['note number 118', 'note number 119']);
  });

  it('answers bad input with clear errors and loses nothing', async () => {
    const before = (await call('GET', '/self/messages?limit=200')).body.messages.length;
    const tooLong = await call('POST', '/self/messages', { body: 'é'.repeat(1000) });
    expect(tooLong.status).to.equal(413);
    expect(tooLong.body.error.message).to.match(/1900 bytes/);
    expect((await call('POST', '/self/messages', { body: '' })).status).to.equal(400);
    expect((await call('POST', '/self/messages', { text: 'x' })).status).to.equal(400);
    for (const limit of ['abc', '0', '201']) expect((await call('GET', `/self/messages?limit=${limit}`)).status, limit).to.equal(400);
    expect((await call('POST', '/chat_messages/not-an-id', { body: 'x' })).status).to.equal(400);
    expect((await call('DELETE', `/chat_messages/${'0'.repeat(32)}`)).status).to.equal(404);
    const stranger = 'ab'.repeat(32);
    const notFriend = await call('POST', `/sessions/${stranger}/messages`, { body: 'hello?' });
    expect(notFriend.status).to.equal(404);
    expect(notFriend.body.error.message).to.match(/not a friend/);
    expect((await call('POST', '/sessions/unknown-peer/messages', { body: 'x' })).status).to.equal(404);
    expect((await call('GET', '/self/messages?limit=200')).body.messages.length).to.equal(before);
  });

  it('lists conversations with unread counts', async () => {
    const list = (await call('GET', '/conversations')).body;
    const self = list.find((c: any) => c.peer === 'self');
    expect(self.label).to.equal('Notes to self');
    expect(self.unread).to.equal(0);
    expect(self.last.body).to.equal('note number 119');
  });

  it('writes no message plaintext to the SQLite file or its WAL (canary)', async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    await call('POST', '/self/messages', { body: `secret ${canary}` });
    const files = fs.readdirSync(t.dataDir).filter((f) => f.includes('.sqlite'));
    expect(files.length).to.be.greaterThan(0);
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(path.join(t.dataDir, f))));
    expect(bytes.includes(Buffer.from(canary))).to.equal(false);
    expect(bytes.includes(Buffer.from('note number 42'))).to.equal(false);
  });

  it('history survives a restart of the host', async () => {
    const before = (await call('GET', '/self/messages?limit=5')).body.messages.map((m: any) => m.body);
    await t.close();
    t = await startTestHost({ extensions: [], builtin: true, dataDir });
    await t.unlock(persona);
    expect((await call('GET', '/self/messages?limit=5')).body.messages.map((m: any) => m.body)).to.deep.equal(before);
  });
});
