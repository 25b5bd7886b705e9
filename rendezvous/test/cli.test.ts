import net from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { startRendezvousProcess } from './support/rendezvous-process.js';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'host/src/main.ts'), '--server', ...args], {
      cwd: repo, env: { ...process.env, KITH_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('kith --server command line', function () {
  this.timeout(120_000);

  it('serves /r/health and stops cleanly on SIGTERM', async () => {
    const server = await startRendezvousProcess([]);
    const health = await (await fetch(`${server.url}/r/health`)).json();
    expect(health).to.include({ status: 'ok', role: 'rendezvous' });
    expect(await server.stop()).to.equal(0);
    expect(server.output()).to.contain('SIGTERM, shutting down');
  });

  it('names KITH_PORT when the port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const result = await runCli([], { KITH_PORT: String(port) });
      expect(result.code).to.equal(1);
      expect(result.output).to.contain(`Port ${port} is already in use`).and.to.contain('KITH_PORT');
    } finally {
      holder.close();
    }
  });

  it('refuses an unknown store and an unreachable Redis with a clear message', async () => {
    const unknown = await runCli(['--store', 'postgres://x'], { KITH_PORT: '0' });
    expect(unknown.code).to.equal(2);
    expect(unknown.output).to.contain('Unknown --store');
    const unreachable = await runCli(['--store', 'redis://127.0.0.1:1'], { KITH_PORT: '0' });
    expect(unreachable.code).to.equal(2);
    expect(unreachable.output).to.contain('Cannot reach Redis at redis://127.0.0.1:1');
  });
});
