import fs from 'node:fs';
const [file, name = '', top = '20'] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const agg = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const n = byId.get(p.samples[i]); if (n.callFrame.functionName !== name || n.callFrame.url !== '' ) continue;
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const pa = byId.get(parent.get(n.id)); const k = pa ? `${pa.callFrame.functionName} ${pa.callFrame.url.replace(/.*\/work\/main\//, '')}:${pa.callFrame.lineNumber}` : '?';
  agg.set(k, (agg.get(k) ?? 0) + dt);
}
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(v.toFixed(0).padStart(7), k);
