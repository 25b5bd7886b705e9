import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSuite } from '../bench-row.js';
import { measureLoad } from '../load.js';
import { loadConfig } from '../../../host/src/config.js';
import { createLogger } from '../../../host/src/log.js';
import { startHost } from '../../../host/src/host.js';

/**
 * What the local API security costs: the same trivial route reached with the launch secret check
 * (Host + Origin + secret) against GET /api/health (Host and Origin only), and the page with the
 * secret injected against a static file of the same client, all in one run on one host.
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
      return [
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
