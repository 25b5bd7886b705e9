// Self time by function (and by file) of a .cpuprofile, optionally within [from,to] seconds.
import fs from 'node:fs';
const [file, from = '0', to = '1e9', top = '40'] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map(); const byFile = new Map();
let t = p.startTime; let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  const s = (t - p.startTime) / 1e6;
  if (s < Number(from) || s > Number(to)) continue;
  const n = byId.get(p.samples[i]); const cf = n.callFrame;
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  if (cf.functionName === '(idle)') continue;
  total += dt;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const f = cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '').replace(/^(nm\/(@[^/]+\/)?[^/]+).*/, '$1') || cf.functionName;
  byFile.set(f, (byFile.get(f) ?? 0) + dt);
}
console.log(`busy ${total.toFixed(0)} ms`);
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${v.toFixed(0).padStart(7)}  ${k}`);
console.log('---');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${v.toFixed(0).padStart(7)}  ${k}`);
