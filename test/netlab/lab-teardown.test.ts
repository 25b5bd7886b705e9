import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { run } from '../../tools/netlab/lab-shell.js';
import { needs } from '../support/needs.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A lab-building process that fails or is killed leaves no namespaces behind. */
describe('netlab: teardown even when the run fails', function () {
  this.timeout(60_000);

  needs('nat-lab');

  function buildIn(child: 'throw' | 'wait'): Promise<{ prefix: string; kill(): void; killHard(): void; exited: Promise<number | null> }> {
    const script = `import { buildLab } from './tools/netlab/lab-topology.ts';
      const lab = buildLab();
      console.log(lab.prefix);
      ${child === 'throw' ? "setTimeout(() => { throw new Error('a test blew up'); }, 100);" : 'setInterval(() => undefined, 1000);'}`;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    return new Promise((resolve, reject) => {
      proc.stdout.once('data', (d) => resolve({
        prefix: String(d).trim(), kill: () => proc.kill('SIGTERM'), killHard: () => proc.kill('SIGKILL'), exited,
      }));
      proc.once('exit', () => reject(new Error('child exited before building the lab')));
    });
  }

  const namespacesOf = (prefix: string) => run('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith(`${prefix}-`));

  it('an uncaught exception after building still deletes every namespace', async () => {
    const child = await buildIn('throw');
    expect(child.prefix).to.match(/^kl[0-9a-f]+x[0-9a-f]{2}$/);
    expect(await child.exited).to.not.equal(0);
    expect(namespacesOf(child.prefix)).to.deep.equal([]);
  });

  it('a lab whose process was SIGKILLed is swept by the next run', async () => {
    const child = await buildIn('wait');
    child.killHard();
    await child.exited;
    expect(namespacesOf(child.prefix).length).to.be.greaterThan(10);
    const next = await buildIn('throw');
    await next.exited;
    expect(namespacesOf(child.prefix)).to.deep.equal([]);
    expect(namespacesOf(next.prefix)).to.deep.equal([]);
  });

  it('SIGTERM deletes every namespace', async () => {
    const child = await buildIn('wait');
    expect(namespacesOf(child.prefix).length).to.be.greaterThan(10);
    child.kill();
    await child.exited;
    expect(namespacesOf(child.prefix)).to.deep.equal([]);
  });
});
