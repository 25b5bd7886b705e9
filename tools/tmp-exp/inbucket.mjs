import fs from 'node:fs';
const [file, re, n = '300'] = process.argv.slice(2);
const R = new RegExp(re);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((x) => [x.id, x])); const parent = new Map();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const agg = new Map(); const callers = new Map();
for (let i = 0; i < p.samples.length; i++) {
  let x = byId.get(p.samples[i]); const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  if (x.callFrame.functionName === '(idle)') continue;
  let inb = false, owner;
  for (let y = x; y; y = byId.get(parent.get(y.id))) { const u = y.callFrame.url; if (!u) continue; inb = R.test(u); if (inb) owner = `${y.callFrame.functionName} ${u.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm/')}`; break; }
  if (!inb) continue;
  const k = `${x.callFrame.functionName || '(anon)'} ${x.callFrame.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm/')}`;
  agg.set(k, (agg.get(k) ?? 0) + dt);
}
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(0).padStart(7), (v / n).toFixed(3), k);
