/**
 * Everything a real started host writes under KITH_DATA is private to the user: folders 0700,
 * files 0600 (kith.sqlite, -wal, -shm, vaults, ...), whatever the umask, also for an install that
 * an older version left readable by others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../src/host.js';

function modes(root: string): Array<{ file: string; mode: string }> {
  const out: Array<{ file: string; mode: string }> = [];
  const walk = (at: string) => {
    const stat = fs.lstatSync(at);
    out.push({ file: path.relative(root, at) || '.', mode: (stat.mode & 0o777).toString(8) });
    if (stat.isDirectory()) for (const name of fs.readdirSync(at)) walk(path.join(at, name));
  };
  walk(root);
  return out;
}

function loosen(root: string): void {
  for (const { file } of modes(root)) {
    const at = path.join(root, file);
    fs.chmodSync(at, fs.statSync(at).isDirectory() ? 0o755 : 0o644);
  }
}

describe('storage: file modes of a real host', function () {
  this.timeout(60_000);
  let dataDir: string;
  let host: RunningHost | undefined;
  let umask: number;

  before(() => {
    // The usual desktop umask: left alone, new files would be 0644 and folders 0755.
    umask = process.umask(0o022);
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kith-modes-')), 'data');
  });
  after(async () => {
    await host?.close();
    process.umask(umask);
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  const start = () =>
    startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
      log: createLogger('silent'),
      extensions: { builtinDir: DEFAULT_BUILTIN_DIR },
    });
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await host!.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, `${method} ${route}: ${await res.clone().text()}`).to.be.lessThan(300);
    return res.json().catch(() => undefined);
  };
  const expectPrivate = () => {
    const all = modes(dataDir);
    const names = all.map((m) => m.file);
    for (const name of ['kith.sqlite', 'kith.sqlite-wal', 'kith.sqlite-shm']) expect(names).to.include(name);
    expect(all.filter((m) => m.mode !== (fs.statSync(path.join(dataDir, m.file)).isDirectory() ? '700' : '600'))).to.deep.equal([]);
  };

  it('creates the data dir 0700 and every file in it 0600 (umask 022)', async () => {
    host = await start();
    await call('POST', '/personas', { slug: 'modes', label: 'Modes', passphrase: 'a passphrase for the modes test' });
    await call('POST', '/identity/unlock', { slug: 'modes', passphrase: 'a passphrase for the modes test', set_active: true });
    await host.areas.extensions.manager.settled();
    await call('POST', '/self/messages', { body: 'a note that writes through chat storage' });
    expectPrivate();
  });

  it('makes an existing install private again at start', async () => {
    await host!.close();
    host = undefined;
    loosen(dataDir);
    expect(modes(dataDir).find((m) => m.file === 'kith.sqlite')!.mode).to.equal('644');
    host = await start();
    expectPrivate();
  });
});
