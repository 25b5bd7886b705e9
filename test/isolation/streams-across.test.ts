/**
 * Streamed routes of an extension in its own process: a `body: 'stream'` upload and a streamed
 * answer cross the IPC channel one piece at a time, every byte in order, and a client that stops
 * reading stops the extension's generator (the host pulls the next piece only when the socket
 * took the last one), so nothing buffers the whole answer.
 */
import { expect } from 'chai';
import { startExtensionsHarness, type ExtensionsHarness } from '../../host/test/extensions/harness/extensions-harness.js';
import { testPersona } from '../../host/test/extensions/harness/test-persona.js';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

const MIB = 1024 * 1024;
const SIZE = 24 * MIB;

describe('isolation: streamed routes across the extension host boundary', function () {
  this.timeout(120_000);
  let h: ExtensionsHarness;

  before(async () => {
    h = await startExtensionsHarness({
      install: (dir) =>
        writeExtension(dir, 'pipe', { id: 'pipe', contributes: { routes: ['POST /pipe/slow-sink', 'GET /pipe/source/:mib', 'GET /pipe/produced'] } }, `
export default { activate(ctx) {
  ctx.routes.post('/pipe/slow-sink', async (req) => {
    let bytes = 0, pieces = 0, sum = 0, ordered = true;
    for await (const piece of req.body) {
      for (let i = 0; i < piece.byteLength; i++) {
        if (piece[i] !== (bytes + i) % 251) ordered = false;
        sum = (sum + piece[i]) % 65521;
      }
      bytes += piece.byteLength; pieces++;
      if (pieces % 8 === 0) await new Promise((r) => setTimeout(r, 2)); // a slow consumer
    }
    return { bytes, pieces, sum, ordered, pid: process.pid };
  }, { body: 'stream', limit: ${32 * MIB} });
  let produced = 0;
  ctx.routes.get('/pipe/produced', () => ({ produced }));
  ctx.routes.get('/pipe/source/:mib', (req) => (async function* () {
    produced = 0;
    const piece = new Uint8Array(${MIB});
    for (let i = 0; i < Number(req.params.mib); i++) { piece.fill(i % 251); produced++; yield piece.slice(); }
  })());
} };`),
      sources: { isolation: 'process', activateTimeoutMs: 15_000 },
    });
    h.gate.set(testPersona('alice'));
    await h.area.manager.settled();
  });
  after(async () => {
    await h?.close();
  });

  it('pulls an upload piece by piece into a slow extension: every byte, in order', async () => {
    const body = new Uint8Array(SIZE);
    let expected = 0;
    for (let i = 0; i < SIZE; i++) {
      body[i] = i % 251;
      expected = (expected + body[i]!) % 65521;
    }
    const res = await h.fetch('/api/pipe/slow-sink', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    const answer = await res.json();
    expect(res.status).to.equal(200);
    expect(answer).to.include({ bytes: SIZE, sum: expected, ordered: true });
    expect(answer.pieces).to.be.greaterThan(1);
    expect(answer.pid).to.not.equal(process.pid);
  });

  it('answers with a stream: a client that stops reading stops the generator; then every piece arrives in order', async () => {
    const mib = 48;
    const res = await h.fetch(`/api/pipe/source/${mib}`);
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    let received = 0;
    let ordered = true;
    const take = (value: Uint8Array) => {
      for (let i = 0; i < value.byteLength; i += 65536) if (value[i] !== Math.floor((received + i) / MIB) % 251) ordered = false;
      received += value.byteLength;
    };
    while (received < 2 * MIB) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
    // Stop reading: the socket's buffers fill and the host stops pulling from the extension.
    let produced = -1;
    for (let settled = 0; settled < 3; ) {
      await new Promise((r) => setTimeout(r, 300));
      const now = (await h.json('/api/pipe/produced')).body.produced;
      settled = now === produced ? settled + 1 : 0;
      produced = now;
    }
    expect(produced, 'pieces generated while the client read 2 MiB and stopped').to.be.below(mib / 2);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
    expect(received).to.equal(mib * MIB);
    expect(ordered, 'bytes in order').to.equal(true);
  });
});
