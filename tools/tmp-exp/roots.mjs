import fs from 'node:fs';
const [file, depth = '2'] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const agg = new Map();
for (let i = 0; i < p.samples.length; i++) {
  let n = byId.get(p.samples[i]); const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const chain = []; while (n) { chain.unshift(`${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm/')}`); n = byId.get(parent.get(n.id)); }
  const k = chain.slice(1, 1 + Number(depth)).join(' > ');
  agg.set(k, (agg.get(k) ?? 0) + dt);
}
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(0).padStart(7), k);
