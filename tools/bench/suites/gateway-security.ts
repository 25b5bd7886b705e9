import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSuite } from '../bench-row.js';
import { measureLoad } from '../load.js';
import { newConnectionsPerSecond } from '../new-connections.js';
import { PROC_TABLES } from '../../../host/src/gateway/loopback-owner.js';
import { loadConfig } from '../../../host/src/config.js';
import { createLogger } from '../../../host/src/log.js';
import { startHost } from '../../../host/src/host.js';

/**
 * What the local API security costs: the same trivial route reached with the launch secret check
 * (Host + Origin + secret) against GET /api/health (Host and Origin only), and the page with the
 * secret injected against a static file of the same client, all in one run on one host; and what
 * the same-user check costs a new connection (its owner read from /proc/net/tcp), against the same
 * server unchecked, interleaved trials.
 */
const suite: BenchSuite = {
  name: 'gateway-security',
  async run() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-sec-'));
    const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-sec-client-'));
    const page = `<!doctype html><html><head><meta name="kith-secret" content=""><title>Kith</title></head><body>${'x'.repeat(1500)}</body></html>`;
    fs.writeFileSync(path.join(clientDir, 'index.html'), page);
    fs.writeFileSync(path.join(clientDir, 'same.html'), page);
    const host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent'), clientDir });
    host.gateway.publicApi.get('/bench-echo', (_req, res) => res.json({ status: 'ok' }));
    const own = { host: `127.0.0.1:${host.port}`, origin: `http://127.0.0.1:${host.port}` };
    try {
      const open = await measureLoad({ url: `${host.url}/api/health`, headers: own });
      const guarded = await measureLoad({ url: `${host.url}/api/bench-echo`, headers: { ...own, 'x-kith-secret': host.launchSecret } });
      const staticFile = await measureLoad({ url: `${host.url}/same.html`, headers: own });
      const index = await measureLoad({ url: `${host.url}/`, headers: own });
      if (guarded.errors > 0 || index.errors > 0) throw new Error('guarded requests failed during the run');
      const checked: number[] = [];
      const unchecked: number[] = [];
      for (let trial = 0; trial < 3; trial++) {
        unchecked.push(await newConnectionsPerSecond(false));
        checked.push(await newConnectionsPerSecond(true));
      }
      const median = (list: number[]) => [...list].sort((a, b) => a - b)[1]!;
      return [
        {
          area: 'gateway',
          metric: `new connections, each checked for its user in /proc/net/tcp (400 GETs without keep-alive, 10 at a time; median of 3 interleaved; machine's TCP sockets: ${socketCount()})`,
          value: median(checked),
          unit: 'conn/s',
          baseline: { name: 'the same server without the check', value: median(unchecked), unit: 'conn/s' },
        },
        {
          area: 'gateway',
          metric: 'API route with secret check',
          value: guarded.requestsPerSecond,
          unit: 'req/s',
          baseline: { name: 'GET /api/health (no secret)', value: open.requestsPerSecond, unit: 'req/s' },
        },
        {
          area: 'gateway',
          metric: 'API route with secret check p99',
          value: guarded.p99Ms,
          unit: 'ms',
          baseline: { name: 'GET /api/health (no secret)', value: open.p99Ms, unit: 'ms' },
        },
        {
          area: 'gateway',
          metric: 'GET / (secret injected)',
          value: index.requestsPerSecond,
          unit: 'req/s',
          baseline: { name: 'same file, static', value: staticFile.requestsPerSecond, unit: 'req/s' },
        },
      ];
    } finally {
      await host.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(clientDir, { recursive: true, force: true });
    }
  },
};
export default suite;

/** Rows in the kernel's TCP tables: what each check reads through. */
function socketCount(): number {
  let rows = 0;
  for (const table of PROC_TABLES) {
    try {
      rows += fs.readFileSync(table, 'latin1').split('\n').length - 2;
    } catch {
      // not Linux
    }
  }
  return rows;
}
