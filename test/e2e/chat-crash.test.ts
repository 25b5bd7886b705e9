/**
 * kill -9 while the bus drains: the sender is a real host with chat in its own process (its own
 * SQLite file), the receiver a real host here; they talk over real UDP sessions. The sender is
 * killed again and again while its queued messages drain; after a restart no message may stay
 * "queued" or "sent": every delivery report the bus took an ACK for must reach chat.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { friendCard, startChatHost, type ChatHost, type PersonaLogin } from './support/chat-host.js';

const SCRIPT = path.join(path.dirname(new URL(import.meta.url).pathname), 'support', 'chat-sender-host.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sender {
  readonly child: ChildProcess;
  readonly persona: PersonaLogin;
  /** Hex master public key of the sender's persona. */
  readonly key: string;
  ask(message: { op: string } & Record<string, unknown>, timeoutMs?: number): Promise<any>;
  kill(): Promise<void>;
}

async function startSender(dataDir: string, persona?: PersonaLogin): Promise<Sender> {
  const child = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KITH_TEST_DATA_DIR: dataDir, KITH_TEST_PERSONA: persona ? JSON.stringify(persona) : '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters: Array<{ op: string; resolve: (m: any) => void; reject: (e: Error) => void }> = [];
  child.on('message', (message: any) => {
    const index = waiters.findIndex((w) => w.op === message.op || message.op === 'error');
    if (index < 0) return;
    const [waiter] = waiters.splice(index, 1);
    if (message.op === 'error') waiter!.reject(new Error(message.message));
    else waiter!.resolve(message);
  });
  const next = (op: string, timeoutMs = 30_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sender sent no ${op} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ op, resolve: (m) => { clearTimeout(timer); resolve(m); }, reject: (e) => { clearTimeout(timer); reject(e); } });
    });
  const ready = await Promise.race([next('ready', 60_000), exited.then(() => { throw new Error('the sender exited before ready'); })]);
  return {
    child,
    persona: ready.persona,
    key: ready.key,
    ask(message, timeoutMs) {
      const answer = next(message.op, timeoutMs);
      child.send(message);
      return answer;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('chat: kill -9 of the sender while the bus drains', function () {
  this.timeout(240_000);
  let bob: ChatHost;
  let sender: Sender | undefined;
  let senderDir: string;
  let bobDir: string;

  before(async () => {
    senderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-chat-crash-'));
    bobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-chat-crash-bob-'));
    bob = await startChatHost(bobDir);
  });
  after(async () => {
    await sender?.kill();
    await bob?.close();
    fs.rmSync(senderDir, { recursive: true, force: true });
    fs.rmSync(bobDir, { recursive: true, force: true });
  });

  /** Start a sender in `dir` and make it and Bob friends; returns its persona. */
  async function befriendedSender(dir: string): Promise<Sender> {
    const started = await startSender(dir);
    // Each card carries the X25519 key made for the other side, so exchange once to learn Alice's key.
    const { card: aliceCard } = await started.ask({ op: 'befriend', card: { ...friendCard(bob, '00'.repeat(32), 'Bob') } });
    await bob.host.areas.identity.friends.save(aliceCard);
    await started.ask({ op: 'befriend', card: friendCard(bob, aliceCard.peer, 'Bob') });
    return started;
  }

  async function drain(peer: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await sender!.ask({ op: 'queue', peer })).count > 0) {
      if (Date.now() > deadline) throw new Error('the queue did not drain');
      await sleep(100);
    }
  }

  it('leaves no message queued after a restart: every ACKed delivery is recorded', async () => {
    const bobPort = bob.host.areas.net.udpPort;
    sender = await befriendedSender(senderDir);
    const persona = sender.persona;
    const bob_ = bob.key;

    const runs = 6;
    const perRun = 30;
    for (let run = 0; run < runs; run++) {
      if (run > 0) sender = await startSender(senderDir, persona);
      await sender.ask({ op: 'send', peer: bob_, count: perRun, prefix: `run ${run} message` }, 120_000);
      await sender.ask({ op: 'connect', peer: bob_, port: bobPort });
      await sleep(5 + Math.random() * 60);
      await sender.kill();
    }

    // A clean run drains what is left; then one more restart, and nothing may still look undelivered.
    sender = await startSender(senderDir, persona);
    await sender.ask({ op: 'connect', peer: bob_, port: bobPort });
    await drain(bob_);
    await sleep(500);
    await sender.kill();
    sender = await startSender(senderDir, persona);
    await sleep(1000);
    const { states, total } = await sender.ask({ op: 'states', peer: bob_ });
    expect(total).to.equal(runs * perRun);
    expect(states).to.deep.equal({ delivered: runs * perRun });
  });

  it('queues again a message the sender was killed with before its receipt was recorded; the friend keeps one copy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-chat-orphan-'));
    try {
      await sender?.kill();
      sender = await befriendedSender(dir);
      const persona = sender.persona;
      await sender.ask({ op: 'send', peer: bob.key, count: 3, prefix: 'orphan' });
      await sender.ask({ op: 'orphan' });
      await sender.kill();
      sender = await startSender(dir, persona);
      await sender.ask({ op: 'connect', peer: bob.key, port: bob.host.areas.net.udpPort });
      await drain(bob.key);
      await sleep(500);
      expect((await sender.ask({ op: 'states', peer: bob.key })).states).to.deep.equal({ delivered: 3 });
      const atBob = (await bob.call('GET', `/sessions/${sender.key}/messages?limit=200`)).messages as Array<{ body: string }>;
      expect(atBob.map((m) => m.body).sort()).to.deep.equal(['orphan 0', 'orphan 1', 'orphan 2']);
    } finally {
      await sender?.kill();
      sender = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
