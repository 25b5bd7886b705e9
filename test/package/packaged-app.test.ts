import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { KITH_VERSION } from '../../host/src/version.js';
import type { Launched } from '../../tools/demo/launch.js';
import { eventually as waitFor } from '@kith/sdk/testing';
import { packagedApi } from './packaged-api.js';
import { ensurePackage, makeSandbox, runPackaged, startPackaged, type Sandbox } from '../../tools/package/sandbox.js';

describe('package: the single executable, run with no node on PATH', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  const running: Launched[] = [];

  before(function () {
    this.timeout(600_000);
    ensurePackage();
    sandbox = makeSandbox();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  after(() => sandbox?.remove());

  it('runs from an empty folder whose PATH holds no node', () => {
    expect(fs.readdirSync(sandbox.dir)).to.deep.equal([path.basename(sandbox.executable)]);
    expect(fs.readdirSync(sandbox.emptyPath)).to.deep.equal([]);
    const which = runPackaged(sandbox, ['--version']);
    expect(which.status, which.stderr).to.equal(0);
  });

  it('prints --version and --help', () => {
    const version = runPackaged(sandbox, ['--version']);
    expect(version.stdout.trim()).to.equal(`kith ${KITH_VERSION}`);
    expect(version.stderr).to.equal('');
    const help = runPackaged(sandbox, ['--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: kith/);
    expect(help.stdout).to.contain('--server').and.to.contain('KITH_PORT');
  });

  it('rejects an unknown flag with exit code 2', () => {
    const result = runPackaged(sandbox, ['--bogus']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain('Unknown argument "--bogus"');
  });

  it('starts the peer app: /api/health answers, data lands in .kith/ beside the binary, addons come from the cache', async () => {
    const app = await startPackaged(sandbox, [], { KITH_PORT: '0' });
    running.push(app);
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.include({ status: 'ok', version: KITH_VERSION });
    expect(fs.existsSync(path.join(sandbox.dir, '.kith', 'kith.sqlite'))).to.equal(true);
    const cache = fs.readdirSync(sandbox.tmp).find((d) => d.startsWith('kith-cache-'));
    expect(cache, 'cache folder under TMPDIR').to.be.a('string');
    const cached = fs.readdirSync(path.join(sandbox.tmp, cache!));
    expect(cached.some((f) => f.endsWith('-better_sqlite3.node'))).to.equal(true);
  });

  it('serves the UI page with the launch secret in it', async function () {
    if (!sandbox.manifest.client) this.skip(); // packaged without a client: `npm run package` warned about it
    const app = await startPackaged(sandbox, [], { KITH_PORT: '0' });
    running.push(app);
    const res = await fetch(`${app.url}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/text\/html/);
    const html = await res.text();
    expect(html).to.match(/<meta name="kith-secret" content="[A-Za-z0-9_-]{16,}">/);
  });

  it('creates a persona, locks, refuses a wrong passphrase, unlocks (also after a restart) and runs the built-in extensions', async function () {
    if (!sandbox.manifest.client) this.skip(); // the secret comes from the page; no client, no page
    const dataDir = path.join(sandbox.dir, 'unlock-data');
    let app = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: dataDir });
    running.push(app);
    let api = await packagedApi(app.url);
    const passphrase = 'correct horse battery staple';
    const created = await api.ok('POST', '/personas', { label: 'Alice', passphrase });
    expect(created.mnemonic.split(' ')).to.have.length(24);
    expect((await api.ok('POST', '/identity/lock', {})).locked).to.equal(true);
    expect((await api.call('GET', '/extensions')).status).to.equal(423);
    const wrong = await api.call('POST', '/identity/unlock', { slug: created.slug, passphrase: 'wrong horse' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.code).to.equal('KITH_ERR_WRONG_PASSPHRASE');

    await app.stop();
    app = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: dataDir });
    running.push(app);
    api = await packagedApi(app.url);
    const state = await api.ok('POST', '/identity/unlock', { slug: created.slug, passphrase });
    expect(state.locked).to.equal(false);
    expect(state.active_slug).to.equal(created.slug);
    const { extensions } = await api.ok('GET', '/extensions');
    const builtins = (extensions as Array<{ id: string; builtin: boolean; running: boolean; error: unknown }>).filter((e) => e.builtin);
    expect(sandbox.manifest.builtins).to.include.members(['chat', 'pairing']);
    for (const id of sandbox.manifest.builtins) {
      const found = builtins.find((e) => e.id === id);
      expect(found, `built-in extension ${id} in the executable`).to.not.equal(undefined);
      expect(found!.running, `${id} running: ${JSON.stringify(found!.error)}`).to.equal(true);
    }
  });

  it('opens the browser at its URL unless KITH_NO_BROWSER is set', async () => {
    // A stand-in `xdg-open` (a shell script: PATH still holds no node) records what it was asked to open.
    const opened = path.join(sandbox.tmp, 'opened.txt');
    const opener = path.join(sandbox.emptyPath, 'xdg-open');
    fs.writeFileSync(opener, `#!/bin/sh\necho "$1" >> '${opened}'\n`, { mode: 0o755 });
    try {
      const quiet = await startPackaged(sandbox, [], { KITH_PORT: '0' });
      running.push(quiet);
      await new Promise((r) => setTimeout(r, 500));
      expect(fs.existsSync(opened), 'opened with KITH_NO_BROWSER set').to.equal(false);
      await quiet.stop();

      const app = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_NO_BROWSER: '' });
      running.push(app);
      await waitFor('xdg-open to be called', async () => fs.existsSync(opened), 5000, 50);
      expect(fs.readFileSync(opened, 'utf8').trim()).to.equal(app.url);
    } finally {
      fs.rmSync(opener, { force: true });
    }
  });

  it('says which variable to change when the data folder cannot be written', () => {
    const blocker = path.join(sandbox.tmp, 'a-file');
    fs.writeFileSync(blocker, '');
    const result = runPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: path.join(blocker, 'data') });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain(`Cannot write the data folder ${path.join(blocker, 'data')}`).and.to.contain('KITH_DATA');
  });

  it('says the database is damaged, leaves it as it was, and starts again once it is moved away', async () => {
    const data = path.join(sandbox.tmp, 'damaged');
    const first = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: data });
    await first.stop();
    // Damaged past recognition (whether or not the stop checkpointed the WAL into it): what a
    // bad disk or a half-copied backup leaves.
    const file = path.join(data, 'kith.sqlite');
    const bytes = randomBytes(64 * 1024);
    fs.writeFileSync(file, bytes);
    for (const side of ['-wal', '-shm']) fs.rmSync(`${file}${side}`, { force: true });
    const result = runPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: data });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain(`The database ${file} is damaged`).and.to.contain('Kith left it as it is');
    expect(result.stderr).not.to.match(/^\s+at /m); // a message, not a stack trace
    expect(fs.readFileSync(file).equals(bytes), 'the damaged file is untouched').to.equal(true);
    fs.renameSync(file, `${file}.damaged`);
    const again = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: data });
    running.push(again);
    expect((await fetch(`${again.url}/api/health`)).status).to.equal(200);
  });

  it('runs once per data folder: a second start on it says so and leaves the first running', async () => {
    const data = path.join(sandbox.tmp, 'shared');
    const first = await startPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: data });
    running.push(first);
    const second = runPackaged(sandbox, [], { KITH_PORT: '0', KITH_DATA: data });
    expect(second.status).to.equal(1);
    expect(second.stderr).to.contain(`Another Kith is already running with the data folder ${data}`).and.to.contain('KITH_DATA');
    expect((await fetch(`${first.url}/api/health`)).status).to.equal(200);
  });

  it('says which variable to change when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = runPackaged(sandbox, [], { KITH_PORT: String(port) });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.contain(`Port ${port} is already in use`).and.to.contain('KITH_PORT');
    } finally {
      blocker.close();
    }
  });

  it('--server serves /r/health', async () => {
    const server = await startPackaged(sandbox, ['--server'], { KITH_PORT: '0', KITH_HOST: '127.0.0.1' });
    running.push(server);
    const res = await fetch(`${server.url}/r/health`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ status: 'ok', role: 'rendezvous' });
  });
});
