// A bus peer in its own process with its own SQLite file, driven over IPC by the kill -9 tests.
// Env: KITH_TEST_DATA_DIR, KITH_TEST_KEYS (JSON PersonaKeys), KITH_TEST_PEER (the other side's key),
// KITH_TEST_DIE (`in-handler:<seq>`, `after-persist:<seq>` or `in-report:<seq>`: SIGKILL itself at that point),
// KITH_TEST_SEAL_KEY (hex: seal datagrams), KITH_TEST_CHUNKS (bench: report after this many file.chunk,
// not counting the first KITH_TEST_WARMUP_CHUNKS, which warm the path up).
import { busProviders } from '../../../src/bus/bus-providers.js';
import type { KindRegistry, Sessions } from '@kith/sdk';
import { createTestPeer, type PersonaKeys } from './test-peer.js';
import { UdpLink, bindUdp } from './udp-link.js';

const [dieWhere, dieSeq] = (process.env.KITH_TEST_DIE ?? ':').split(':');
// SIGKILL itself once every IPC message sent so far is written (the callback runs after the write).
const die = () => {
  process.send!({ op: 'dying' }, () => process.kill(process.pid, 'SIGKILL'));
};
const peerKey = process.env.KITH_TEST_PEER!;
const peer = await createTestPeer({
  keys: JSON.parse(process.env.KITH_TEST_KEYS!) as PersonaKeys,
  dataDir: process.env.KITH_TEST_DATA_DIR!,
  // Synchronous here: the ACK must not leave (IPC writes to a pipe are attempted synchronously).
  hooks: { afterPersist: (_p, _s, seq) => (dieWhere === 'after-persist' && seq === Number(dieSeq) ? process.kill(process.pid, 'SIGKILL') : undefined) },
});
const { sqlite } = peer.database;
sqlite.exec('CREATE TABLE IF NOT EXISTS test_received (stream TEXT NOT NULL, seq INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (stream, seq))');
const insert = sqlite.prepare('INSERT INTO test_received (stream, seq, n) VALUES (?, ?, ?)');

const scope = peer.scope('chat', ['chat.text', 'file.chunk']);
const providers = busProviders(peer.engine, () => undefined);
const kinds = providers.kinds!(scope) as KindRegistry;
const sessions = providers.sessions!(scope) as Sessions;
kinds.register('chat.text', async (event) => {
  if (dieWhere === 'in-handler' && event.seq === Number(dieSeq)) {
    die();
    await new Promise(() => undefined); // never persists
  }
  await new Promise((r) => setImmediate(r));
  insert.run(event.stream, event.seq, event.header.n as number); // persist, then return: the bus ACKs after this
  process.send!({ op: 'got', stream: event.stream, seq: event.seq, n: event.header.n });
});
// Bench sink: after the warm-up chunks, counts bulk chunks and reports the time from the last
// warm-up chunk to the last counted one.
const warmupChunks = Number(process.env.KITH_TEST_WARMUP_CHUNKS ?? 0);
let received = 0;
let chunkBytes = 0;
let chunkCount = 0;
let firstChunk = 0;
let firstCpu = process.cpuUsage();
kinds.register('file.chunk', (event) => {
  const now = performance.now();
  // The clock starts at the last warm-up chunk (or the first chunk when there is no warm-up).
  if (++received === Math.max(1, warmupChunks)) {
    firstChunk = now;
    firstCpu = process.cpuUsage();
  }
  if (received <= warmupChunks) return;
  chunkCount++;
  chunkBytes += event.payload.length;
  if (chunkCount === Number(process.env.KITH_TEST_CHUNKS ?? 0)) {
    const cpu = process.cpuUsage(firstCpu);
    process.send!({ op: 'chunks', bytes: chunkBytes, count: chunkCount, ms: now - firstChunk, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
});
sessions.onDidDeliver((r) => {
  process.send!({ op: 'delivered', seq: r.seq, eventId: r.eventId });
  if (dieWhere !== 'in-report' || r.seq !== Number(dieSeq)) return undefined;
  die();
  return new Promise(() => undefined); // the report is never finished
});
sessions.onDidNack((r) => process.send!({ op: 'nack', seq: r.seq, reason: r.reason }));

const socket = await bindUdp();
let link: UdpLink | undefined;
process.on('message', async (message: any) => {
  if (message.op === 'link') {
    const sealKey = process.env.KITH_TEST_SEAL_KEY ? new Uint8Array(Buffer.from(process.env.KITH_TEST_SEAL_KEY, 'hex')) : undefined;
    link = new UdpLink({ socket, remotePort: message.remotePort, peer: peerKey, sealKey });
    peer.engine.attach(link);
  } else if (message.op === 'send') {
    for (let i = 0; i < message.count; i++) {
      await sessions.send(peerKey, message.stream, 'chat.text', { n: message.from + i }, new Uint8Array(64));
    }
    process.send!({ op: 'sent' });
  } else if (message.op === 'rows') {
    process.send!({ op: 'rows', rows: sqlite.prepare('SELECT stream, seq, n FROM test_received ORDER BY stream, seq').all() });
  } else if (message.op === 'queue') {
    process.send!({ op: 'queue', count: peer.engine.store.count(peer.keys.masterPublicKey, peerKey) });
  }
});
process.send!({ op: 'ready', port: socket.address().port });
