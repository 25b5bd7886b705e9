// Inclusive time per function (counted once per sample even if recursive), top N.
import fs from 'node:fs';
const [file, top = '60', filter = ''] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  let n = byId.get(p.samples[i]); if (n.callFrame.functionName === '(idle)') continue;
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000; total += dt;
  const seen = new Set();
  while (n) { const cf = n.callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${cf.lineNumber}`; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + dt); } n = byId.get(parent.get(n.id)); }
}
console.log('busy', total.toFixed(0));
for (const [k, v] of [...incl].filter(([k]) => k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(v.toFixed(0).padStart(7), k);
