import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { BenchSuite } from '../bench-row.js';
import { measureLoad } from '../load.js';
import { loadConfig } from '../../../host/src/config.js';
import { createLogger } from '../../../host/src/log.js';
import { startHost } from '../../../host/src/host.js';

/** The gateway's own cost: GET /api/health against a bare express "hello" server. */
const suite: BenchSuite = {
  name: 'host',
  async run() {
    const bare = express();
    bare.get('/hello', (_req, res) => res.json({ status: 'ok' }));
    const server = bare.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const barePort = (server.address() as AddressInfo).port;

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-host-'));
    const host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent') });
    try {
      const baseline = await measureLoad({ url: `http://127.0.0.1:${barePort}/hello` });
      const kith = await measureLoad({ url: `${host.url}/api/health`, headers: { host: `127.0.0.1:${host.port}` } });
      return [
        {
          area: 'host',
          metric: 'GET /api/health',
          value: kith.requestsPerSecond,
          unit: 'req/s',
          baseline: { name: 'bare express', value: baseline.requestsPerSecond, unit: 'req/s' },
        },
        {
          area: 'host',
          metric: 'GET /api/health p99',
          value: kith.p99Ms,
          unit: 'ms',
          baseline: { name: 'bare express', value: baseline.p99Ms, unit: 'ms' },
        },
      ];
    } finally {
      await host.close();
      server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
export default suite;
