// Samples whose stack contains a frame matching RE: self time by leaf, and by the frame just below RE.
import fs from 'node:fs';
const [file, re, top = '25'] = process.argv.slice(2);
const R = new RegExp(re);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${n.callFrame.lineNumber}`;
const leaf = new Map(), child = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const chain = []; let n = byId.get(p.samples[i]);
  while (n) { chain.push(n); n = byId.get(parent.get(n.id)); }
  const idx = chain.findIndex((x) => R.test(key(x)));
  if (idx < 0) continue;
  total += dt;
  leaf.set(key(chain[0]), (leaf.get(key(chain[0])) ?? 0) + dt);
  const c = idx > 0 ? key(chain[idx - 1]) : '(self)';
  child.set(c, (child.get(c) ?? 0) + dt);
}
console.log('total', total.toFixed(0));
for (const [k, v] of [...child].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(' child', v.toFixed(0).padStart(6), k);
for (const [k, v] of [...leaf].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(' leaf ', v.toFixed(0).padStart(6), k);
