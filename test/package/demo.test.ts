import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eventually as waitFor } from '@kith/sdk/testing';
import { ensurePackage } from '../../tools/package/sandbox.js';
import { ROOT } from '../../tools/package/package-paths.js';

/** `npm run demo -- --packaged`: three processes up, URLs printed, all gone after Ctrl+C. */
describe('package: npm run demo', function () {
  this.timeout(120_000);
  let demo: ChildProcess;
  let output = '';
  let tmp: string;

  before(function () {
    this.timeout(600_000);
    ensurePackage();
    // Its own TMPDIR: the demo's data dirs and the executables' cache folder go there, and go away.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-demo-test-'));
    demo = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/demo/demo.ts'), '--packaged'], {
      cwd: ROOT,
      env: { ...process.env, KITH_LOG: 'warn', TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    demo.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  });
  after(() => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints a rendezvous and two app URLs that answer, and Ctrl+C stops all three and removes the data', async () => {
    await waitFor('the demo to print its URLs', async () => output.includes('Press Ctrl+C'), 60_000);
    const url = (name: string) => new RegExp(`^\\s+${name}\\s+(http://127\\.0\\.0\\.1:\\d+)`, 'm').exec(output)?.[1];
    const rendezvous = url('rendezvous')!;
    const apps = [url('alice')!, url('bob')!];
    expect(rendezvous, output).to.be.a('string');
    expect(new Set([rendezvous, ...apps]).size).to.equal(3);
    expect(await (await fetch(`${rendezvous}/r/health`)).json()).to.include({ status: 'ok', role: 'rendezvous' });
    for (const app of apps) expect((await fetch(`${app}/api/health`)).status).to.equal(200);
    const dataDirs = [...output.matchAll(/\(data: ([^)]+)\)/g)].map((m) => m[1]!);
    expect(dataDirs).to.have.length(2);
    for (const dir of dataDirs) expect(fs.existsSync(path.join(dir, 'kith.sqlite'))).to.equal(true);

    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    expect(await exited).to.equal(0);
    for (const target of [rendezvous, ...apps]) {
      const refused = await fetch(`${target}/`).then(() => false, () => true);
      expect(refused, `${target} still answers after Ctrl+C`).to.equal(true);
    }
    for (const dir of dataDirs) expect(fs.existsSync(dir)).to.equal(false);
  });
});
