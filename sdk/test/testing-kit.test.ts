/**
 * The test kit's own rules: which program it starts, how a program that fails to start is
 * reported, and that its requests speak to the real host as the page does (launch secret in,
 * Kith errors out as `TestRequestError`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { TestRequestError, installExtension, resolveProgram, startTestHost, startTestNetwork, type TestHost } from '@kith/sdk/testing';
import { buildInstallableHello } from '../examples/hello/test/support/build-installable.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('sdk/testing: installing an extension folder', () => {
  it('warns of a dependency not found from the folder (an unbundled copy would fault at activation), and copies one that is', () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-kit-install-'));
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args.join(' '));
    try {
      const folder = path.join(scratch, 'lonely');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'lonely', version: '1.0.0', dependencies: { 'kith-no-such-package': '^1.0.0' }, kith: { main: 'main.js' } }));
      // A bundled entry imports none of its dependencies: nothing to say.
      fs.writeFileSync(path.join(folder, 'main.js'), 'export function activate() {}\n');
      installExtension(folder, path.join(scratch, 'bundled', 'extensions'));
      expect(warned).to.deep.equal([]);
      fs.writeFileSync(path.join(folder, 'main.js'), "import { KithError } from 'kith-no-such-package';\nexport function activate() {}\n");
      installExtension(folder, path.join(scratch, 'data', 'extensions'));
      expect(warned.join('\n')).to.contain('dependency "kith-no-such-package" is not found from there');
      // Found where Node finds it: from a folder inside a project that has it installed.
      warned.length = 0;
      const inside = path.join(scratch, 'project', 'lonely');
      fs.mkdirSync(path.join(scratch, 'project', 'node_modules', 'kith-no-such-package'), { recursive: true });
      fs.writeFileSync(path.join(scratch, 'project', 'node_modules', 'kith-no-such-package', 'package.json'), JSON.stringify({ name: 'kith-no-such-package', version: '1.0.0' }));
      fs.cpSync(folder, inside, { recursive: true });
      const installed = installExtension(inside, path.join(scratch, 'data2', 'extensions'));
      expect(fs.existsSync(path.join(installed, 'node_modules', 'kith-no-such-package', 'package.json'))).to.equal(true);
      expect(warned).to.deep.equal([]);
    } finally {
      console.warn = warn;
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('sdk/testing: the program it starts', () => {
  const saved = { command: process.env.KITH_HOST_COMMAND, cwd: process.env.KITH_HOST_CWD };
  beforeEach(() => {
    delete process.env.KITH_HOST_COMMAND;
    delete process.env.KITH_HOST_CWD;
  });
  afterEach(() => {
    for (const [key, value] of Object.entries({ KITH_HOST_COMMAND: saved.command, KITH_HOST_CWD: saved.cwd })) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('takes the command option first, then KITH_HOST_COMMAND as a JSON array or words', () => {
    process.env.KITH_HOST_COMMAND = '["/opt/my kith/kith", "--flag"]';
    process.env.KITH_HOST_CWD = os.tmpdir();
    expect(resolveProgram()).to.deep.equal({ command: ['/opt/my kith/kith', '--flag'], cwd: os.tmpdir() });
    process.env.KITH_HOST_COMMAND = ' /opt/kith/kith  --x ';
    expect(resolveProgram().command).to.deep.equal(['/opt/kith/kith', '--x']);
    expect(resolveProgram({ command: ['other'], cwd: '/' })).to.deep.equal({ command: ['other'], cwd: '/' });
  });

  it('finds the checkout above the current folder, and names the variable to set outside one', () => {
    const found = resolveProgram({ cwd: path.join(repo, 'sdk/examples/hello') });
    expect(found.cwd).to.equal(repo);
    expect(found.command.slice(1)).to.deep.equal(['--import', 'tsx', path.join(repo, 'host/src/main.ts')]);
    expect(() => resolveProgram({ cwd: os.tmpdir() })).to.throw(/set KITH_HOST_COMMAND/);
  });

  it('reports a program that exits before it is ready with its output, and removes its temp dir', async () => {
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kith-test-brokenprogram-')));
    const failing = startTestHost({
      name: 'BrokenProgram',
      command: [process.execPath, '-e', 'console.error("no kith here"); process.exit(3)'],
    });
    const error = await failing.then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/exited \(3\) before it was ready/);
    expect(error?.message).to.contain('no kith here');
    const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kith-test-brokenprogram-') && !before.has(f));
    expect(after).to.deep.equal([]);
  });
});

describe('sdk/testing: requests to a real host', function () {
  this.timeout(90_000);
  let t: TestHost;

  before(async () => {
    t = await startTestHost({ name: 'Kit' });
  });
  after(async () => {
    await t?.close();
  });

  it('reads the launch secret from the page; without it the API refuses', async () => {
    expect(t.secret).to.match(/^[A-Za-z0-9_-]{40,}$/);
    expect((await fetch(`${t.url}/api/personas`)).status).to.equal(403);
    expect((await t.call('GET', '/personas')).status).to.equal(200);
  });

  it('turns an answer outside 2xx into a TestRequestError carrying status and Kith code', async () => {
    const error = await t.request('GET', '/extensions').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TestRequestError);
    expect((error as TestRequestError).status).to.equal(423);
    expect((error as TestRequestError).code).to.equal('KITH_ERR_LOCKED');
    const persona = await t.createPersona();
    expect(persona.label).to.equal('Kit');
    expect(persona.key).to.match(/^[0-9a-f]{64}$/);
    expect(t.persona).to.equal(persona);
  });

  it('crash() kills the program and every process it started at once; restart() brings it back unlocked', async () => {
    const running = () => programsOn(t.dataDir);
    expect(running().length, 'processes serving the data dir').to.be.greaterThan(0);
    const persona = t.persona!;
    await t.crash();
    expect(running(), 'left alive after crash()').to.deep.equal([]);
    expect(await t.call('GET', '/personas').then(() => 'answered', (e: Error) => e.message)).to.contain('stopped');
    await t.restart();
    expect((await t.request<{ sessions: unknown[] }>('GET', '/sessions')).sessions).to.be.an('array');
    expect(t.persona).to.equal(persona);
  });

  it('stop() quits the program and keeps its data; restart() brings it back unlocked', async () => {
    const persona = t.persona!;
    await t.stop();
    expect(programsOn(t.dataDir), 'left alive after stop()').to.deep.equal([]);
    expect(await t.call('GET', '/personas').then(() => 'answered', (e: Error) => e.message)).to.contain('stopped');
    await t.restart();
    expect((await t.call('GET', '/sessions')).status).to.equal(200);
    expect(t.persona).to.equal(persona);
  });

  it('keeps persona after lock(), so unlock(host.persona!) works; a restart while locked stays locked', async () => {
    const persona = t.persona!;
    await t.lock();
    expect(t.persona).to.equal(persona);
    await t.restart();
    expect((await t.call('GET', '/sessions')).status, 'still locked after the restart').to.equal(423);
    await t.unlock(t.persona!);
    expect((await t.call('GET', '/sessions')).status).to.equal(200);
  });

  it('records page events after lock() and unlock() (locking closes the page socket; the kit connects again)', async () => {
    await t.lock();
    await t.unlock(t.persona!);
    const body = `after the unlock ${Date.now()}`;
    const seen = t.events.next<{ message?: { body?: string } }>('chat:message', (m) => m.message?.body === body, 15_000);
    await t.request('POST', '/self/messages', { body });
    expect((await seen).message!.body).to.equal(body);
  });
});

describe('sdk/testing: a network with options per host', function () {
  this.timeout(120_000);

  it('installs an extension only on the host perHost gives it to (a tampered copy on one side)', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-kit-perhost-'));
    const net = await startTestNetwork({ hosts: 2, perHost: [{ extensions: [buildInstallableHello(work)] }] });
    try {
      const ids = async (host: TestHost) => (await host.request<{ extensions: Array<{ id: string }> }>('GET', '/extensions')).extensions.map((e) => e.id);
      expect(await ids(net.hosts[0]!)).to.include('hello');
      expect(await ids(net.hosts[1]!)).to.not.include('hello');
    } finally {
      await net.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('sdk/testing: the host\'s log lines', function () {
  this.timeout(90_000);

  it('are copied to the test\'s stderr after [name] when a log level is asked for', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    // Kept from the test's output: only collected.
    (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => lines.push(String(chunk)) > 0;
    let host: TestHost | undefined;
    try {
      host = await startTestHost({ name: 'Logged', logLevel: 'info' });
      await host.close();
    } finally {
      (process.stderr as { write: unknown }).write = write;
      await host?.close();
    }
    expect(lines.some((line) => line.startsWith('[Logged] {') && line.includes('kith peer app listening'))).to.equal(true);
  });
});

/** Pids of the processes started with this data dir (the launcher and the program), from /proc. */
function programsOn(dataDir: string): number[] {
  if (!fs.existsSync('/proc/self/environ')) return [process.pid];
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`KITH_DATA=${dataDir}`);
    } catch {
      return false;
    }
  }).map(Number);
}
