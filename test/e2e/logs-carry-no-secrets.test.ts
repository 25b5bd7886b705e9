/**
 * Secrets never reach logs. Two real hosts and a rendezvous log at the most verbose level while a
 * user does everything that handles a secret: create a persona (its recovery phrase and
 * passphrase), a wrong passphrase, lock and unlock, pairing by code, connect, a chat message, a
 * file sent to the friend and one to yourself. Then every log line of the three programs is
 * searched for each secret and each piece of content: none may appear. The rendezvous's log may
 * not hold what its operator must not read either: names, keys, pairing codes, room words.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The checkout's program, its stderr (where it logs) appended to the file `KITH_TEST_LOG` names. */
const LOGGED_PROGRAM = ['bash', '-c', 'exec "$0" --import tsx host/src/main.ts "$@" 2>>"$KITH_TEST_LOG"', process.execPath];

describe('logs: no secret and no content in any log line (real hosts, most verbose level)', function () {
  this.timeout(240_000);
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-logs-'));
  const logOf = (name: string) => path.join(logs, `${name}.log`);
  const canary = (what: string) => `${what}-${randomBytes(9).toString('hex')}`;
  const secrets = new Map<string, string>();
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    // The rendezvous takes its environment from this process's.
    const previous = { KITH_TEST_LOG: process.env.KITH_TEST_LOG, KITH_LOG: process.env.KITH_LOG };
    Object.assign(process.env, { KITH_TEST_LOG: logOf('rendezvous'), KITH_LOG: 'trace' });
    try {
      rendezvous = await startTestRendezvous({ command: LOGGED_PROGRAM, cwd: ROOT });
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    [alice, bob] = await Promise.all(
      ['Alice', 'Bob'].map((name) => startTestHost({ name, command: LOGGED_PROGRAM, cwd: ROOT, logLevel: 'trace', env: { KITH_TEST_LOG: logOf(name) } })),
    );
  });

  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    // KITH_TEST_KEEP_LOGS=1 keeps them, to read what a failure found.
    if (!process.env.KITH_TEST_KEEP_LOGS) fs.rmSync(logs, { recursive: true, force: true });
  });

  it('does everything that handles a secret, and no log holds one', async () => {
    const [pa, pb] = await Promise.all([alice.createPersona(canary('Alice')), bob.createPersona(canary('Bob'))]);
    for (const [who, persona] of [['alice', pa], ['bob', pb]] as const) {
      secrets.set(`${who}'s recovery phrase`, persona.mnemonic);
      // Any four words of it in a row give a search away.
      const words = persona.mnemonic.split(' ');
      for (let i = 0; i + 4 <= words.length; i += 4) secrets.set(`${who}'s recovery words ${i + 1}-${i + 4}`, words.slice(i, i + 4).join(' '));
      secrets.set(`${who}'s passphrase`, persona.passphrase);
      secrets.set(`${who}'s name`, persona.label);
    }
    secrets.set("alice's launch secret", alice.secret);
    secrets.set("bob's launch secret", bob.secret);

    const wrong = canary('wrong-passphrase');
    secrets.set('a wrong passphrase', wrong);
    const refused = await alice.call('POST', '/identity/unlock', { slug: pa.slug, passphrase: wrong, set_active: true });
    expect(refused.status).to.be.oneOf([401, 403]);
    await alice.lock();
    await alice.unlock(pa);

    const { code } = await alice.request<{ code: string }>('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: pb.label });
    secrets.set('the pairing code', code);
    await bob.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: pa.label, code });
    await Promise.all([
      alice.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: pb.label, timeout_ms: 30_000 }),
      bob.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: pa.label, timeout_ms: 30_000 }),
    ]);
    await connect(alice, bob, rendezvous.url);

    const message = canary('message body');
    secrets.set('a chat message', message);
    const sent = await alice.request('POST', `/sessions/${pb.key}/messages`, { body: message });
    await eventually('the message delivered', async () => {
      const history = await bob.request<{ messages: { body: string }[] }>('GET', `/sessions/${pa.key}/messages`);
      return history.messages.some((m) => m.body === message);
    });
    expect(sent.id).to.be.a('string');
    // A body that does not parse, and one an extension refuses: refusals may be logged, their bodies not.
    const unparsed = canary('unparsed body');
    secrets.set('a body that did not parse', unparsed);
    const broken = await alice.fetch(`/api/sessions/${pb.key}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"body": "${unparsed}"` });
    expect(broken.status).to.equal(400);
    const refusedBody = canary('refused body');
    secrets.set('a refused body', refusedBody);
    const refusedSend = await alice.call('POST', `/sessions/${pb.key}/messages`, { body: refusedBody, reply_to: refusedBody });
    expect(refusedSend.status).to.be.within(400, 499);

    const fileName = canary('file-name');
    const fileText = canary('file contents');
    secrets.set("a file's name", fileName);
    secrets.set("a file's contents", fileText);
    secrets.set("a file's contents in base64", Buffer.from(fileText).toString('base64').slice(0, 24));
    const data_base64 = Buffer.from(fileText).toString('base64');
    const offered = await alice.request('POST', `/sessions/${pb.key}/files`, { name: `${fileName}.txt`, mime: 'text/plain', data_base64 });
    await alice.request('POST', '/self/files', { name: `${fileName}-self.txt`, mime: 'text/plain', data_base64 });
    await eventually('the file complete at Bob', async () => {
      const answer = await bob.call('GET', `/files/${offered.transfer_id ?? offered.id}`);
      return answer.status === 200 && answer.body.state === 'complete';
    });
    // The friends' keys and names are not secrets to the hosts, but the rendezvous may not see them.
    const operatorMustNotRead = new Map<string, string>([
      ["alice's key", pa.key], ["bob's key", pb.key], ["alice's name", pa.label], ["bob's name", pb.label], ['the pairing code', code],
    ]);
    // Let the last lines reach the files.
    await Promise.all([alice.restart(), bob.restart()]);

    const read = (name: string) => fs.readFileSync(logOf(name), 'utf8');
    const hostLogs = { Alice: read('Alice'), Bob: read('Bob') };
    // The logs were written to (else this test proves nothing).
    for (const [name, text] of Object.entries(hostLogs)) expect(text, `${name}'s log`).to.contain('extension activated');
    const leaks: string[] = [];
    for (const [name, text] of Object.entries({ ...hostLogs, rendezvous: read('rendezvous') })) {
      for (const [what, value] of secrets) if (text.includes(value)) leaks.push(`${name}'s log holds ${what}`);
    }
    for (const [what, value] of operatorMustNotRead) if (read('rendezvous').includes(value)) leaks.push(`the rendezvous's log holds ${what}`);
    expect(leaks).to.deep.equal([]);
  });
});
