// `npm run bench [-- --only name,name] [-- --write]`: run every suite in ./suites, print one table,
// and with --write replace the table in docs/BENCHMARKS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow, BenchSuite } from './bench-row.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]?.split(',')) : undefined;
const write = args.includes('--write');

function format(n: number): string {
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function table(rows: readonly BenchRow[]): string {
  const lines = ['| area | metric | value | baseline (same run) | goal |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const base = r.baseline ? `${r.baseline.name}: ${format(r.baseline.value)} ${r.baseline.unit}` : '';
    lines.push(`| ${r.area} | ${r.metric} | ${format(r.value)} ${r.unit} | ${base} | ${r.goal ?? ''} |`);
  }
  return lines.join('\n');
}

const suiteFiles = fs.readdirSync(path.join(here, 'suites')).filter((f) => f.endsWith('.ts')).sort();
const rows: BenchRow[] = [];
for (const file of suiteFiles) {
  const suite = (await import(path.join(here, 'suites', file))).default as BenchSuite;
  if (only && !only.has(suite.name)) continue;
  process.stderr.write(`bench: ${suite.name} ...\n`);
  try {
    rows.push(...(await suite.run()));
  } catch (error) {
    process.stderr.write(`bench: ${suite.name} failed: ${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
const output = table(rows);
process.stdout.write(`${output}\n`);

if (write) {
  const file = path.resolve(here, '../../docs/BENCHMARKS.md');
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const header = `# Benchmarks\n\nProduced by \`npm run bench -- --write\`. Every figure sits beside a baseline measured in the\nsame run on the same machine, so the ratio matters more than the absolute number.\n\nLast run: ${new Date().toISOString()} on ${machine}.\n\n`;
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const notesAt = existing.indexOf('\n## Notes');
  const notes = notesAt >= 0 ? existing.slice(notesAt) : '\n## Notes\n\n- Figures are from a shared 2-core machine; expect some noise between runs.\n';
  fs.writeFileSync(file, `${header}${output}\n${notes}`);
  process.stderr.write(`bench: wrote ${file}\n`);
}
process.exit();
