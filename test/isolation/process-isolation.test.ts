/**
 * Issue #21: third-party extensions in their own process (the extension host), under Node's
 * permission model. A well-behaved one keeps working through the SDK (routes, storage); each
 * hostile one fails to read what is not its own, or faults only itself, while the host answers.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startExtensionsHarness, type ExtensionsHarness } from '../../host/test/extensions/harness/extensions-harness.js';
import { testPersona } from '../../host/test/extensions/harness/test-persona.js';
import { writeHostileFixtures } from './fixtures/hostile-fixtures.js';
import { PROBE_PEER, writeMemberProbe } from './fixtures/member-probe.js';
import { friendStreamId } from '../../host/src/bus/stream-ids.js';
import { MediaPreviewer } from '../../host/src/media/media-previewer.js';
import { locateFfmpeg } from '../../host/src/media/ffmpeg-locator.js';
import { extensionSealingKey, keyedTag, openText, sealText } from '../../host/src/storage/sealing.js';

const SECRET_ENV = 'KITH_TEST_SECRET_TOKEN';

describe('isolation: third-party extensions run in their own process (extensions harness)', function () {
  this.timeout(120_000);
  let h: ExtensionsHarness;
  const alice = testPersona('alice');
  const waitForRunning = async (id: string, ms = 60_000) => {
    const until = Date.now() + ms;
    while (!h.area.manager.status(id).running || h.area.manager.status(id).faulted) {
      if (Date.now() > until) throw new Error(`${id} was not restarted: ${JSON.stringify(h.area.manager.status(id))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const waitForFault = async (id: string, ms = 40_000) => {
    const until = Date.now() + ms;
    while (!h.area.manager.status(id).faulted) {
      if (Date.now() > until) throw new Error(`${id} did not fault`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Read at once: a crashed process is restarted after a short backoff (restartLimits).
    const status = h.area.manager.status(id);
    return { ...status, error: status.error! };
  };

  const previewer = new MediaPreviewer();
  before(async () => {
    process.env[SECRET_ENV] = 'do-not-leak';
    h = await startExtensionsHarness({
      install: (dir) => {
        writeHostileFixtures(dir, { envName: SECRET_ENV });
        writeMemberProbe(dir);
      },
      providers: { media: () => previewer },
      // Generous: a child process starts in about a second on a loaded 2-core machine.
      sources: {
        isolation: 'process',
        activateTimeoutMs: 15_000,
        processLimits: { memoryMb: 48, heartbeatMs: 1000 },
        // Short backoff so the restart tests take seconds; the third crash in a minute ends it.
        restartLimits: { firstDelayMs: 300, maxDelayMs: 2000, maxCrashes: 3, windowMs: 60_000 },
      },
    });
    h.gate.set(alice);
    await h.area.manager.settled();
  });
  after(async () => {
    delete process.env[SECRET_ENV];
    await h?.close();
  });

  it('runs a well-behaved extension in another process, with routes and storage through the SDK', async () => {
    const hi = await h.json('/api/well/hi');
    expect(hi.status).to.equal(200);
    expect(hi.body.hi).to.equal('alice');
    expect(hi.body.pid).to.not.equal(process.pid);
    expect((await h.json('/api/well/notes', { method: 'POST', body: JSON.stringify({ text: 'kept' }) })).status).to.equal(200);
    expect((await h.json('/api/well/notes')).body).to.deep.equal({ notes: ['kept'] });
  });

  it('answers local and snapshot members there, lets plain-data services cross, and refuses the unavailable ones with KITH_ERR_NOT_AVAILABLE', async () => {
    const { status, body } = await h.json('/api/probe/members');
    expect(status).to.equal(200);
    expect(body.pid).to.not.equal(process.pid);
    // The same stream id the host derives: a friend's other side computes it in-process.
    expect(body.forFriend).to.deep.equal({ value: friendStreamId(body.own, PROBE_PEER, 'probe', 'probe') });
    expect(body.forFriendBad.code).to.equal('KITH_ERR_BAD_REQUEST');
    // A timed listener is made by the host: this harness has no network, and the host's own refusal
    // crosses (host/test/net/timed-listener-program.test.ts drives a listener out of process for real).
    expect(body.listenForSessions.code).to.equal('KITH_ERR_NOT_AVAILABLE');
    expect(body.listenForSessions.message).to.contain('not available in this host').and.not.contain('own process');
    // Services: plain data crosses (provided in the host's registry), functions are refused.
    expect(body.servicesGet).to.deep.equal({ value: null });
    // The copy's own keys only: no member of Object's prototype answers as a service.
    expect(body.servicesInherited).to.deep.equal({ value: ['undefined', 'undefined', 'undefined'] });
    expect(body.servicesProvide).to.deep.equal({ value: 'provided' });
    expect(body.servicesFunction.code).to.equal('KITH_ERR_NOT_AVAILABLE');
    expect(body.servicesFunction.message).to.contain('only plain data');
    const until = Date.now() + 10_000;
    while (!h.area.services.list().some((s) => s.id === 'probe.plain' && s.owner === 'probe')) {
      if (Date.now() > until) throw new Error('the plain service did not reach the host');
      await new Promise((r) => setTimeout(r, 20));
    }
    // This test host provides no sessions or friends: the snapshot carries the host's own refusal.
    expect(body.sessionsAll.code).to.equal('KITH_ERR_NOT_AVAILABLE');
    expect(body.ownKey.code).to.equal('KITH_ERR_NOT_AVAILABLE');
    expect(body.hostInfo.code).to.equal('KITH_ERR_PROPOSAL_NOT_ENABLED');
    expect(body.channelsOpen).to.deep.equal({ value: 0 });
    // Bytes cross a call both ways: a BMP in, the host's ffmpeg's PNG out (or, without ffmpeg, its refusal).
    if (locateFfmpeg()) {
      expect(body.mediaPreview).to.deep.equal({ value: { kind: 'image', mime: 'image/png', name: 'dot.png', bytes: true, head: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] } });
    } else {
      expect(body.mediaPreview.code).to.equal('KITH_ERR_MEDIA_TOOL_MISSING');
    }
  });

  it('seals in its own process under its own key: interoperable with the host, foreign bytes refused', async () => {
    const { body } = await h.json('/api/well/seal', { method: 'POST', body: JSON.stringify({ text: 'sealed in the child' }) });
    const wellKey = extensionSealingKey(alice.atRestKey, 'well');
    expect(openText(wellKey, body.sealed)).to.equal('sealed in the child');
    expect(body.tag).to.equal(keyedTag(alice.atRestKey, 'well', 'sealed in the child'));
    const fromHost = sealText(wellKey, 'sealed by the host');
    expect((await h.json('/api/well/open', { method: 'POST', body: JSON.stringify({ sealed: fromHost }) })).body).to.deep.equal({ text: 'sealed by the host' });
    const chats = sealText(extensionSealingKey(alice.atRestKey, 'chat'), 'chat\'s secret');
    expect((await h.json('/api/well/open', { method: 'POST', body: JSON.stringify({ sealed: chats }) })).body).to.deep.equal({ code: 'KITH_ERR_SEAL_INVALID' });
    const shared = sealText(alice.atRestKey, 'under the shared key');
    expect((await h.json('/api/well/open', { method: 'POST', body: JSON.stringify({ sealed: shared }) })).body).to.deep.equal({ code: 'KITH_ERR_SEAL_INVALID' });
  });

  it('refuses a JSON body nested too deep for the trip to the process with 400; the extension is not faulted and still serves', async () => {
    // 5,000 levels parse, but V8's serializer overflowed its stack handing them to the process,
    // and the extension was faulted for what a client sent (an outside tester's finding).
    const nested = (levels: number) => `{"text":"deep","extra":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const deep = await h.json('/api/well/seal', { method: 'POST', body: nested(5000) });
    expect(deep.status).to.equal(400);
    expect(deep.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    expect(deep.body.error.message).to.equal('The JSON body nests deeper than 64 levels');
    expect(h.area.manager.status('well')).to.include({ running: true, faulted: false });
    // The object and 63 arrays: 64 levels, handed on and answered.
    const deepest = await h.json('/api/well/seal', { method: 'POST', body: nested(63) });
    expect(deepest.status).to.equal(200);
    expect(deepest.body.tag).to.be.a('string');
    expect((await h.json('/api/well/seal', { method: 'POST', body: nested(64) })).status).to.equal(400);
  });

  it('reads only its own folder: not the database, the data dir, other files, the host\'s env; writes and spawns nothing', async () => {
    const { status, body } = await h.json('/api/snoop/try');
    expect(status).to.equal(200);
    expect(body.pid).to.not.equal(process.pid);
    expect(body).to.include({
      database: 'ERR_ACCESS_DENIED',
      dataDir: 'ERR_ACCESS_DENIED',
      vaults: 'ERR_ACCESS_DENIED',
      otherFile: 'ERR_ACCESS_DENIED',
      passwd: 'ERR_ACCESS_DENIED',
      writeOwnFolder: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      worker: 'ERR_ACCESS_DENIED',
      secretEnv: 'absent',
    });
    expect(body.env).to.equal('NODE_ENV');
    // Kith's own page (and the launch secret in it) is not reachable over loopback either.
    expect(body.launchSecretOverHttp).to.equal('ERR_ACCESS_DENIED');
    expect(body.launchSecretByIp).to.equal('ERR_ACCESS_DENIED');
    expect(body.launchSecretByMappedIp, 'an IPv4-mapped IPv6 loopback address').to.equal('ERR_ACCESS_DENIED');
    expect(body.ownManifest).to.match(/^got \d+ chars$/);
  });

  it('connects to no service on this machine\'s own interface addresses (one bound to 0.0.0.0 answers there)', async function () {
    const own = Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4');
    if (!own) {
      console.log('      (skipped: this machine has no non-loopback IPv4 interface)');
      return this.skip();
    }
    const server = http.createServer((_req, res) => res.end('a local service'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()));
    try {
      const where = `${own.address}:${(server.address() as AddressInfo).port}`;
      expect(await (await fetch(`http://${where}/`)).text(), 'the service answers there').to.equal('a local service');
      const { body } = await h.json(`/api/snoop/try?own=${encodeURIComponent(where)}`);
      expect(body.ownAddress).to.equal('ERR_ACCESS_DENIED');
    } finally {
      server.close();
    }
  });

  it('signals no process but its own: not the host, not the process group, not the host\'s inspector', async () => {
    const { body } = await h.json('/api/snoop/try');
    expect(body).to.include({
      signalHost: 'ERR_ACCESS_DENIED',
      signalGroup: 'ERR_ACCESS_DENIED',
      signalHostDirect: 'ERR_ACCESS_DENIED',
      inspectHost: 'ERR_ACCESS_DENIED',
      signalSelf: 'got 4 chars',
    });
  });

  it('faults an unhandled rejection, a throw, and a hung activate, each alone', async () => {
    for (const [id, reason] of [['rejecter', 'rejected after activate'], ['thrower', 'thrown from a timer'], ['sleeper', 'did not finish activate']] as const) {
      const e = await waitForFault(id);
      expect(e.error.message, id).to.contain(reason);
    }
    expect((await h.fetch('/api/health')).status).to.equal(200);
    expect((await h.json('/api/well/hi')).status).to.equal(200);
  });

  it('answers a full disk met in its process with 507, escaped or not, and neither faults nor restarts it', async () => {
    const pid = (await h.json('/api/well/hi')).body.pid;
    const full = await h.json('/api/well/full');
    expect(full.status).to.equal(507);
    expect(full.body.error.code).to.equal('KITH_ERR_DISK_FULL');
    expect((await h.json('/api/well/full-later')).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 500)); // the rejection escapes after the answer
    expect(h.area.manager.status('well')).to.include({ running: true, faulted: false });
    expect((await h.json('/api/well/hi')).body.pid, 'the same process').to.equal(pid);
  });

  it('does not blame an extension for the host\'s own stall: a well-behaved one keeps running after the host\'s loop was held 5 s', async () => {
    await waitForRunning('well');
    // Hold this process's event loop (the host runs in it here), as a huge request once did.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 2_500));
    expect(h.area.manager.status('well')).to.include({ running: true, faulted: false });
    expect((await h.json('/api/well/hi')).status).to.equal(200);
  });

  it('kills a busy loop (missed heartbeats) and faults only that extension; the host kept answering meanwhile', async () => {
    const spin = h.fetch('/api/spinner/spin');
    const began = Date.now();
    const health = await h.fetch('/api/health');
    expect(health.status).to.equal(200);
    expect(Date.now() - began, 'health must not wait for the busy loop').to.be.below(2000);
    expect((await spin).status).to.equal(503);
    const e = await waitForFault('spinner');
    expect(e.error.message).to.contain('did not answer').and.contain('busy loop');
    expect((await h.json('/api/well/hi')).status).to.equal(200);
  });

  it('ends a heap exhaustion in the extension\'s process and faults only it', async () => {
    const eat = await h.fetch('/api/glutton/eat');
    expect(eat.status).to.equal(503);
    const e = await waitForFault('glutton');
    expect(e.error.message).to.contain('ran out of memory');
    expect((await h.fetch('/api/health')).status).to.equal(200);
    expect((await h.json('/api/well/notes')).body).to.deep.equal({ notes: ['kept'] });
  });

  it('names the real end of a process that dies while the host is answering it (not a failure to start)', async () => {
    // Two rounds: a third crash within the minute would leave it off (restartLimits).
    for (let round = 0; round < 2; round++) {
      await waitForRunning('quitter');
      const before = h.area.manager.status('quitter').lastCrash?.crashes ?? 0;
      expect((await h.fetch('/api/quitter/go')).status).to.equal(503);
      const until = Date.now() + 40_000;
      while ((h.area.manager.status('quitter').lastCrash?.crashes ?? 0) === before) {
        if (Date.now() > until) throw new Error(`quitter did not fault: ${JSON.stringify(h.area.manager.status('quitter'))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const message = h.area.manager.status('quitter').lastCrash?.message;
      expect(message, `round ${round}`).to.contain('ended by SIGKILL').and.not.contain('could not run');
    }
  });

  it('restarts a killed busy loop and an exhausted heap after a backoff; they serve again', async () => {
    for (const id of ['spinner', 'glutton']) {
      await waitForRunning(id);
      const status = h.area.manager.status(id);
      expect(status.error).to.equal(null);
      // The crash the restart cleared from `faulted` is still reported.
      expect(status.lastCrash?.crashes, id).to.equal(1);
      expect(status.lastCrash?.message, id).to.contain(id === 'spinner' ? 'busy loop' : 'ran out of memory');
    }
    // The restarted processes are new ones: a second busy loop is killed again and restarted again.
    expect((await h.fetch('/api/spinner/spin')).status).to.equal(503);
    // Read from lastCrash: the fault lasts only until the 2 s backoff ends.
    const until = Date.now() + 40_000;
    while ((h.area.manager.status('spinner').lastCrash?.crashes ?? 0) < 2) {
      if (Date.now() > until) throw new Error(`no second crash: ${JSON.stringify(h.area.manager.status('spinner'))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(h.area.manager.status('spinner').lastCrash?.message).to.contain('busy loop');
    await waitForRunning('spinner');
  });

  it('leaves an extension that crashes on every start faulted after the last allowed crash, with the reason', async () => {
    const until = Date.now() + 90_000;
    for (;;) {
      const status = h.area.manager.status('rejecter');
      if (status.faulted && status.error?.message.includes('stays off')) {
        expect(status.error.message).to.contain('rejected after activate').and.contain('crashed 3 times');
        break;
      }
      if (Date.now() > until) throw new Error(`rejecter was not given up on: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // It stays off: no further start after the last backoff would have passed.
    await new Promise((r) => setTimeout(r, 2500));
    expect(h.area.manager.status('rejecter')).to.include({ running: false, faulted: true });
    // A hung activate is the extension's own deadline, not a crash of its process: never restarted.
    expect(h.area.manager.status('sleeper')).to.include({ running: false, faulted: true });
    expect((await h.json('/api/well/hi')).status).to.equal(200);
  });
});
