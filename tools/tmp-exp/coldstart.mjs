// Interleaved: time and CPU of a packaged start until /api/health answers 200.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const exes = process.argv.slice(2);
const res = Object.fromEntries(exes.map((e) => [e, { wall: [], cpu: [] }]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let round = 0; round < 7; round++) for (const exe of exes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  const t0 = performance.now();
  const p = spawn(exe, [], { env: { KITH_PORT: '0', KITH_DATA: dir, KITH_NO_BROWSER: '1', KITH_LOG: 'info', PATH: '/usr/bin:/bin', TMPDIR: '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = ''; p.stdout.on('data', (d) => (out += d)); p.stderr.on('data', (d) => (out += d));
  let url; while (!(url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0])) { await sleep(2); if (performance.now() - t0 > 10000) throw new Error(out); }
  for (;;) { try { const r = await fetch(url + '/api/health'); if (r.status === 200) break; } catch {} await sleep(2); }
  const wall = performance.now() - t0;
  const f = fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  res[exe].wall.push(wall); res[exe].cpu.push((Number(f[11]) + Number(f[12])) * 10);
  p.kill('SIGKILL'); await sleep(300); fs.rmSync(dir, { recursive: true, force: true });
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
for (const e of exes) console.log(e, 'wall', med(res[e].wall).toFixed(0), 'cpu', med(res[e].cpu), JSON.stringify(res[e].cpu));
