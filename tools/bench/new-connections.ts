import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../host/src/log.js';
import { admitSameUserOnly } from '../../host/src/gateway/same-user-only.js';

/** New connections per second one server takes: `total` GETs, `parallel` at a time, none kept alive. */
export async function newConnectionsPerSecond(checked: boolean, total = 400, parallel = 10): Promise<number> {
  const server = http.createServer((_req, res) => res.end('ok'));
  if (checked) admitSameUserOnly(server, createLogger('silent'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  try {
    const started = performance.now();
    for (let done = 0; done < total; done += parallel) await Promise.all(Array.from({ length: parallel }, one));
    return total / ((performance.now() - started) / 1000);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
