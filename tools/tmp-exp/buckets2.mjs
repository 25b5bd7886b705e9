import fs from 'node:fs';
const [file, n = '300'] = process.argv.slice(2);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((x) => [x.id, x])); const parent = new Map();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
// bucket = first frame (from leaf upward) whose url matches a bucket rule; natives inherit from caller
const rules = [
  [/better-sqlite3|kysely|storage\/|storage-dialect|chat-store|chat-reactions-store|friend-store|sealing/, 'storage'],
  [/socket\.io|engine\.io|ws\/|ui-hub|ui-events/, 'socket.io'],
  [/express|router|_http|body-parser|gateway|route-|raw-body|http-errors|path-to-regexp|node:net|stream_base|streams\//, 'http'],
  [/host\/src\/bus|host\/src\/net|dgram/, 'bus+net'],
  [/chat-service|chat-routes|extensions\/chat/, 'chat ext'],
  [/async_hooks|revocable|context\//, 'async ctx'],
];
const agg = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  let x = byId.get(p.samples[i]); const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  if (x.callFrame.functionName === '(idle)') continue; total += dt;
  let b = x.callFrame.functionName.startsWith('(') ? x.callFrame.functionName : 'other';
  for (let y = x; y; y = byId.get(parent.get(y.id))) { const u = y.callFrame.url; if (!u) continue; const r = rules.find(([re]) => re.test(u)); if (r) { b = r[1]; break; } if (!u.startsWith('node:')) { b = 'other:' + u.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm/'); break; } }
  agg.set(b, (agg.get(b) ?? 0) + dt);
}
console.log('busy', total.toFixed(0), 'ms, per msg', (total / n).toFixed(2));
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(v.toFixed(0).padStart(7), (v / n).toFixed(2).padStart(6), k);
