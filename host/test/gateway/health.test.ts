import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SDK_API_VERSION } from '@kith/sdk';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';

describe('gateway: health and lock gate', () => {
  let host: RunningHost;
  let dataDir: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-health-'));
    host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent') });
  });
  after(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers GET /api/health with status, the program\'s version and the extension API\'s', async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).to.equal(200);
    const body = await res.json();
    expect(body).to.deep.equal({ status: 'ok', version: '0.1.0', api: SDK_API_VERSION });
  });

  it('answers a protected route with 423 and a JSON error while locked', async () => {
    const res = await host.fetch('/api/sessions');
    expect(res.status).to.equal(423);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).to.equal('KITH_ERR_LOCKED');
  });

  it('creates the SQLite file under the data dir', () => {
    expect(fs.existsSync(path.join(dataDir, 'kith.sqlite'))).to.equal(true);
  });
});
