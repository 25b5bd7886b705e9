/**
 * Issue #21, "Must show", in real hosts (the Kith program as child processes, from
 * @kith/sdk/testing): the malicious extensions are installed where users install extensions, and
 * run in their own process (the default for third-party extensions). Each escape fails or faults only
 * that extension while /api/health keeps answering and chat keeps delivering between two hosts;
 * a route outside the prefix is refused at load and pairing keeps its routes. Run twice: on hosts
 * from the checkout and on the packaged executable (which starts itself as the extension host,
 * its permission flags in NODE_OPTIONS: process-flags.ts).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { HOSTILE_IDS, writeHostileFixtures } from './fixtures/hostile-fixtures.js';
import { ensurePackage, makeSandbox, type Sandbox } from '../../tools/package/sandbox.js';

const SECRET_ENV = 'KITH_TEST_SECRET_TOKEN';

/** The programs the hosts run: the default (the checkout, or KITH_HOST_COMMAND) and the executable. */
let sandbox: Sandbox | undefined;
const PROGRAMS: readonly { readonly name: string; readonly command?: () => string[] }[] = [
  { name: 'the checkout' },
  {
    // A copy, as a user downloads it: a rebuild of dist/ meanwhile cannot swap it.
    name: 'the packaged executable',
    command: () => {
      ensurePackage();
      sandbox = makeSandbox();
      return [sandbox.executable];
    },
  },
];

for (const program of PROGRAMS) describe(`isolation: malicious extensions in real hosts (${program.name})`, function () {
  this.timeout(300_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hostile-'));
  const entry = async (host: TestHost, id: string) =>
    (await host.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === id);
  const waitForFault = async (host: TestHost, id: string, ms = 90_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const e = await entry(host, id);
      if (e?.faulted) return e;
      if (Date.now() > until) throw new Error(`${id} did not fault: ${JSON.stringify(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /**
   * The crash of an extension host, read from `lastCrash`: `faulted` lasts only until the restart
   * (1 s of backoff), which a loaded machine's slow polls can miss entirely.
   */
  const waitForCrash = async (host: TestHost, id: string, ms = 90_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const e = await entry(host, id);
      if (e?.lastCrash) return e.lastCrash as { message: string; at: number; crashes: number };
      if (Date.now() > until) throw new Error(`${id} did not crash: ${JSON.stringify(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const healthLatencies = async (host: TestHost, samples: number) => {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      const res = await host.fetch('/api/health');
      await res.arrayBuffer();
      expect(res.status).to.equal(200);
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b);
  };
  const chatDelivers = async (text: string) => {
    const sent = await alice.request<{ id: string }>('POST', `/sessions/${bob.persona!.key}/messages`, { body: text });
    const until = Date.now() + 30_000;
    for (;;) {
      const { messages } = await bob.request<{ messages: { id: string; body: string }[] }>('GET', `/sessions/${alice.persona!.key}/messages`);
      if (messages.some((m) => m.id === sent.id && m.body === text)) return;
      if (Date.now() > until) throw new Error(`chat message "${text}" did not arrive`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async function () {
    this.timeout(600_000); // the packaged program may be built first
    writeHostileFixtures(source, { envName: SECRET_ENV });
    net = await startTestNetwork({
      ...(program.command ? { command: program.command() } : {}),
      hosts: 2,
      extensions: HOSTILE_IDS.map((id) => path.join(source, id)),
      env: { KITH_ACTIVATE_TIMEOUT_MS: '20000', [SECRET_ENV]: 'do-not-leak' },
    });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
    fs.rmSync(source, { recursive: true, force: true });
    sandbox?.remove();
    sandbox = undefined;
  });

  it('refuses a route outside the prefix at load; pairing kept its routes (the hosts just paired)', async () => {
    const hijack = await entry(alice, 'hijack');
    expect(hijack).to.include({ faulted: true, running: false });
    expect(hijack.error.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(hijack.error.message).to.contain('"POST /pair/start" is outside the extension\'s own prefix').and.contain('"GET /*rest" is a catch-all');
    expect((await alice.call('GET', '/no/such/route')).status).to.equal(404);
  });

  it('keeps the vault, the database, the host\'s env and the launch secret out of the extension\'s reach', async () => {
    const { status, body } = await alice.call('GET', '/snoop/try');
    expect(status).to.equal(200);
    expect(body).to.include({
      database: 'ERR_ACCESS_DENIED',
      dataDir: 'ERR_ACCESS_DENIED',
      vaults: 'ERR_ACCESS_DENIED',
      launchSecretOverHttp: 'ERR_ACCESS_DENIED',
      launchSecretByIp: 'ERR_ACCESS_DENIED',
      launchSecretByMappedIp: 'ERR_ACCESS_DENIED',
      signalHost: 'ERR_ACCESS_DENIED',
      signalGroup: 'ERR_ACCESS_DENIED',
      signalHostDirect: 'ERR_ACCESS_DENIED',
      inspectHost: 'ERR_ACCESS_DENIED',
      signalSelf: 'got 4 chars',
      writeOwnFolder: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      secretEnv: 'absent',
    });
    expect(body.env).to.equal('NODE_ENV');
    expect(fs.readdirSync(path.join(alice.dataDir, 'identities')).length, 'the vaults exist').to.be.greaterThan(0);
  });

  it('faults the rejection, the throw and the hung activate, each alone; health answers and chat delivers', async () => {
    for (const [id, reason] of [['rejecter', 'rejected after activate'], ['thrower', 'thrown from a timer'], ['sleeper', 'did not finish activate']] as const) {
      expect((await waitForFault(alice, id)).error.message, id).to.contain(reason);
    }
    expect((await entry(alice, 'well')).running).to.equal(true);
    await chatDelivers('after the crashes');
  });

  it('kills a busy loop and ends a heap exhaustion, faulting only them; health p99 stays low meanwhile', async () => {
    const baseline = await healthLatencies(alice, 40);
    const spin = alice.fetch('/api/spinner/spin');
    const eat = alice.fetch('/api/glutton/eat');
    const during = await healthLatencies(alice, 40);
    expect((await spin).status).to.equal(503);
    expect((await eat).status).to.equal(503);
    const [spinner, glutton] = await Promise.all([waitForCrash(alice, 'spinner'), waitForCrash(alice, 'glutton')]);
    expect(spinner.message).to.contain('busy loop');
    // Near its heap limit the glutton's process thrashes in GC: on a loaded machine the watchdog
    // may find it unresponsive before V8 gives up. Either way the host ended it, and only it.
    expect(glutton.message).to.match(/ran out of memory|did not answer/);
    const p99 = (t: number[]) => t[Math.floor(t.length * 0.99)]!;
    // A loaded shared machine: no ratio, only that the host never stalled behind the extension.
    expect(p99(during), `health p99 during (baseline ${p99(baseline).toFixed(1)} ms)`).to.be.below(1000);
    await chatDelivers('after the busy loop and the heap exhaustion');
    expect((await alice.call('GET', '/well/hi')).status).to.equal(200);
  });

  it('restarts a killed or out-of-memory extension host with backoff; one that crashes on every start stays off, also after a restart', async () => {
    const until = Date.now() + 120_000;
    const settledState = async () => {
      const [spinner, glutton, rejecter, thrower] = await Promise.all(['spinner', 'glutton', 'rejecter', 'thrower'].map((id) => entry(alice, id)));
      const back = [spinner, glutton].every((e) => e.running && !e.faulted);
      const givenUp = [rejecter, thrower].every((e) => e.faulted && String(e.error?.message).includes('stays off'));
      return { back, givenUp, detail: JSON.stringify({ spinner, glutton, rejecter, thrower }) };
    };
    for (;;) {
      const state = await settledState();
      if (state.back && state.givenUp) break;
      if (Date.now() > until) throw new Error(`no steady state after the crashes: ${state.detail}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await alice.call('GET', '/spinner/spin')).status, 'the restarted spinner is killed again').to.equal(503);
    await alice.restart();
    for (const id of ['rejecter', 'thrower', 'sleeper']) {
      expect(await entry(alice, id), id).to.include({ faulted: true, running: false });
    }
    expect((await alice.call('GET', '/well/hi')).status).to.equal(200);
    await net.connect(alice, bob);
    await chatDelivers('after the restart');
  });
});
