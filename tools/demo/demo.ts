// `npm run demo [-- --packaged]`: a local rendezvous and two peer apps (Alice and Bob) with their
// own temporary data dirs, so a newcomer can try a conversation on one machine. Ctrl+C stops all
// three and removes the data dirs. --packaged runs dist/kith-<os>-<arch> instead of the sources.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureClient } from '../package/client-build.js';
import { CLIENT_DIR, DIST, executableName, ROOT } from '../package/package-paths.js';
import { launchUntilUrl, type Launched } from './launch.js';

const packaged = process.argv.includes('--packaged');
const say = (line: string) => process.stdout.write(`${line}\n`);

/** How to start Kith: the built executable, or the sources through tsx. */
function kithCommand(): { command: string; args: string[] } {
  if (!packaged) return { command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'host/src/main.ts')] };
  const executable = path.join(DIST, executableName());
  if (!fs.existsSync(executable)) throw new Error(`${executable} does not exist: run npm run package first`);
  return { command: executable, args: [] };
}

/** Forward a child's output, each line prefixed with its name. */
function prefixed(name: string): (chunk: string) => void {
  return (chunk) => {
    for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
  };
}

async function main(): Promise<void> {
  if (!packaged && !ensureClient(ROOT, CLIENT_DIR)) say('Note: the client is not built, so the apps serve the API only.');
  const { command, args } = kithCommand();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-demo-'));
  const started: Launched[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nStopping the demo...');
    await Promise.all(started.map((p) => p.stop()));
    fs.rmSync(base, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const common = { ...process.env, KITH_NO_BROWSER: '1', KITH_LOG: process.env.KITH_LOG ?? 'warn', KITH_PORT: '0', KITH_HOST: '127.0.0.1' };
  try {
    const rendezvous = await launchUntilUrl(command, [...args, '--server'], { cwd: ROOT, env: common, onOutput: prefixed('rendezvous') });
    started.push(rendezvous);
    const peers: Array<[string, Launched]> = [];
    for (const name of ['alice', 'bob']) {
      const dataDir = path.join(base, name);
      const peer = await launchUntilUrl(command, args, { cwd: ROOT, env: { ...common, KITH_DATA: dataDir }, onOutput: prefixed(name) });
      started.push(peer);
      peers.push([name, peer]);
    }
    for (const p of started) {
      p.child.once('exit', (code) => {
        if (!stopping) {
          process.stderr.write(`A demo process exited (${code}); stopping the others.\n`);
          void stopAll(1);
        }
      });
    }
    say('');
    say('Kith demo is running:');
    say(`  rendezvous  ${rendezvous.url}   (enter this URL in both apps)`);
    for (const [name, peer] of peers) say(`  ${name.padEnd(10)}  ${peer.url}/   (data: ${path.join(base, name)})`);
    say('');
    say('Open both app URLs in a browser, create a persona in each, then pair and chat.');
    say('Press Ctrl+C to stop all three.');
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}

void main();
