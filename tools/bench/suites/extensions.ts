import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { measureLoad } from '../load.js';
import { startInProcessHost as startTestHost } from '../../../host/test/extensions/harness/in-process-host.js';

/**
 * The extension layer's cost: an extension route against a plain route on the same lock-gated
 * router, and how long turning an extension off and on takes (no restart) against listing them.
 */
const suite: BenchSuite = {
  name: 'extensions',
  async run() {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-ext-'));
    const root = path.join(work, 'pinger');
    fs.mkdirSync(root);
    const kith = { id: 'pinger', displayName: 'Pinger', hostVersion: '^1.0.0', main: 'main.mjs', contributes: { routes: ['GET /pinger/ping'] } };
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'pinger', version: '1.0.0', kith }));
    fs.writeFileSync(
      path.join(root, 'main.mjs'),
      "export default { activate(ctx) { ctx.timers.setInterval(() => {}, 1000); ctx.routes.get('/pinger/ping', () => ({ ok: true })); } };\n",
    );
    const t = await startTestHost({ extensions: [root] });
    try {
      await t.createPersona('Bench');
      t.host.gateway.protectedApi.get('/bench-direct', (_req, res) => void res.json({ ok: true }));
      const headers = { 'x-kith-secret': t.host.launchSecret, host: `127.0.0.1:${t.host.port}` };
      // Warm both paths up first so neither pays for JIT and lazy set-up.
      await measureLoad({ url: `${t.url}/api/bench-direct`, headers, seconds: 1 });
      await measureLoad({ url: `${t.url}/api/pinger/ping`, headers, seconds: 1 });
      const direct = await measureLoad({ url: `${t.url}/api/bench-direct`, headers });
      const ext = await measureLoad({ url: `${t.url}/api/pinger/ping`, headers });
      if (ext.errors > 0 || direct.errors > 0) throw new Error(`errors during load: ${ext.errors} / ${direct.errors}`);

      const timed = async (fn: () => Promise<Response>) => {
        const start = performance.now();
        const res = await fn();
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return performance.now() - start;
      };
      const toggle = (enabled: boolean) => () => t.fetch('/api/extensions/pinger', { method: 'POST', body: JSON.stringify({ enabled }) });
      const offOn: number[] = [];
      const list: number[] = [];
      for (let i = 0; i < 50; i++) {
        offOn.push((await timed(toggle(false))) + (await timed(toggle(true))));
        list.push(await timed(() => t.fetch('/api/extensions')));
      }
      const rows: BenchRow[] = [
        row('GET extension route', ext.requestsPerSecond, 'req/s', 'plain lock-gated route', direct.requestsPerSecond),
        row('GET extension route p99', ext.p99Ms, 'ms', 'plain lock-gated route', direct.p99Ms),
        row('turn off + on (median)', median(offOn), 'ms', 'GET /api/extensions (median)', median(list)),
      ];
      return rows;
    } finally {
      await t.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};

function row(metric: string, value: number, unit: string, baselineName: string, baseline: number): BenchRow {
  return { area: 'extensions', metric, value: Math.round(value * 100) / 100, unit, baseline: { name: baselineName, value: Math.round(baseline * 100) / 100, unit } };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export default suite;
