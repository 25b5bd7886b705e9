import fs from 'node:fs';
const [file, top = '30'] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const self = new Map(); let total = 0;
const walk = (n, stack) => {
  const cf = n.callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${cf.lineNumber}`;
  const st = [...stack, k];
  if (n.selfSize) { const key = st.slice(-3).join(' < '); self.set(key, (self.get(key) ?? 0) + n.selfSize); total += n.selfSize; }
  for (const c of n.children ?? []) walk(c, st);
};
walk(p.head, []);
console.log('total MB', (total / 1e6).toFixed(0));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log((v / 1e6).toFixed(1).padStart(8), k.split(' < ').reverse().join(' < '));
