// Count statement executions by SQL (time too); dump on SIGUSR2 pairs (start/stop).
if (process.env.KITH_DATA && require('node:worker_threads').isMainThread) {
  const path = require.resolve('better-sqlite3', { paths: [process.cwd(), '/work/main'] });
  const Database = require(path);
  const counts = new Map(); let on = false;
  const origPrepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql) {
    const st = origPrepare.call(this, sql);
    for (const m of ['run', 'all', 'get', 'iterate']) {
      const orig = st[m];
      st[m] = function (...a) { if (!on) return orig.apply(this, a); const t = process.hrtime.bigint(); try { return orig.apply(this, a); } finally { const k = sql.replace(/\s+/g, ' ').slice(0, 110); const c = counts.get(k) ?? { n: 0, ns: 0n }; c.n++; c.ns += process.hrtime.bigint() - t; counts.set(k, c); } };
    }
    return st;
  };
  const origExec = Database.prototype.exec;
  Database.prototype.exec = function (sql) { if (on) { const k = 'EXEC ' + sql.slice(0, 60); const c = counts.get(k) ?? { n: 0, ns: 0n }; c.n++; counts.set(k, c); } return origExec.call(this, sql); };
  process.on('SIGUSR2', () => {
    if (!on) { on = true; counts.clear(); return; }
    on = false;
    require('fs').writeFileSync(`/tmp/prof/${process.pid}.sql`, [...counts].sort((a, b) => b[1].n - a[1].n).map(([k, v]) => `${String(v.n).padStart(6)} ${(Number(v.ns) / 1e6).toFixed(1).padStart(8)}ms  ${k}`).join('\n'));
  });
}
