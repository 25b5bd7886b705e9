import { spawn } from 'node:child_process';

/**
 * A flooder in its own process (so its work does not slow the test's own clients): from source
 * address `address` it publishes `fill` maximal blobs into `room` under fresh owner secrets, then
 * fetches the room with `width` parallel loops, reading and dropping every answer, until stopped.
 */
export interface FloodProcess {
  /** Resolves once the room is filled and the fetch loops run. */
  readonly filling: Promise<void>;
  /** Stop; resolves with how many fetches were answered (any status). */
  stop(): Promise<{ fetches: number; statuses: Record<string, number> }>;
}

const SCRIPT = `
import http from 'node:http';
import { randomBytes } from 'node:crypto';
const [url, address, room, fill, width] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(width), localAddress: address });
const statuses = {};
let stopping = false;
let fetches = 0;
const send = (method, path, body) => new Promise((resolve) => {
  const req = http.request(url + path, { method, agent, headers: { 'content-type': 'application/json' } }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    res.resume();
    res.on('end', resolve);
  });
  req.on('error', resolve);
  req.end(body);
});
const blob = 'F'.repeat(16 * 1024);
let next = 0;
await Promise.all(Array.from({ length: Number(width) }, async () => {
  while (next < Number(fill)) {
    next++;
    await send('POST', '/r/publish', JSON.stringify({ room, blob, owner: randomBytes(18).toString('base64url') }));
  }
}));
process.stdout.write('filled\\n');
process.on('message', () => { stopping = true; });
await Promise.all(Array.from({ length: Number(width) }, async () => {
  while (!stopping) {
    await send('GET', '/r/fetch/' + room);
    fetches++;
  }
}));
process.send({ fetches, statuses }, () => process.exit(0));
`;

export function startFlood(options: { url: string; address: string; room: string; fill: number; width: number }): FloodProcess {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, options.url, options.address, options.room, String(options.fill), String(options.width)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const filling = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('filled')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the flooder exited (${code}) before filling the room`)));
  });
  const result = new Promise<{ fetches: number; statuses: Record<string, number> }>((resolve) => child.once('message', resolve as never));
  return {
    filling,
    async stop() {
      child.send('stop');
      return result;
    },
  };
}
