/**
 * The import boundary: code under `extensions/*` and `sdk/examples/*` talks to the host only
 * through `@kith/sdk`. A file there may not import anything under `host/` (a relative path into
 * it, or any specifier containing `/host/src`) nor another extension (its folder or its package).
 * Usage: `npm run check:boundaries` or `tsx tools/check-boundaries/check-boundaries.ts [repo-root]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Violation {
  /** Repository-relative path of the importing file. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly reason: string;
}

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const SKIP = new Set(['node_modules', 'dist', '.git', '.angular']);

/** One extension (or example) folder and its package name. */
interface Unit {
  readonly dir: string;
  readonly packageName: string | undefined;
}

/** Every violation under `root`, sorted by file and line. */
export function checkBoundaries(root: string): Violation[] {
  const units = [...listUnits(path.join(root, 'extensions')), ...listUnits(path.join(root, 'sdk/examples'))];
  const hostDir = path.join(root, 'host');
  const violations: Violation[] = [];
  for (const unit of units) {
    for (const file of sourceFiles(unit.dir)) {
      const text = fs.readFileSync(file, 'utf8');
      const { importedFiles } = ts.preProcessFile(text, true, true);
      for (const ref of importedFiles) {
        const reason = judge(ref.fileName, file, unit, units, hostDir);
        if (reason) {
          const line = text.slice(0, ref.pos).split('\n').length;
          violations.push({ file: path.relative(root, file), line, specifier: ref.fileName, reason });
        }
      }
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function judge(specifier: string, file: string, unit: Unit, units: readonly Unit[], hostDir: string): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const target = path.resolve(path.dirname(file), specifier);
    if (inside(target, hostDir)) return 'reaches into host/ (use @kith/sdk)';
    const other = units.find((u) => u !== unit && inside(target, u.dir));
    if (other) return `reaches into another extension (${path.basename(other.dir)})`;
    return undefined;
  }
  if (specifier.includes('/host/src') || specifier === 'host' || specifier.startsWith('host/')) return 'imports the host (use @kith/sdk)';
  const other = units.find((u) => u !== unit && u.packageName && (specifier === u.packageName || specifier.startsWith(`${u.packageName}/`)));
  if (other) return `imports another extension's package (${other.packageName})`;
  return undefined;
}

function inside(target: string, dir: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function listUnits(parent: string): Unit[] {
  if (!fs.existsSync(parent)) return [];
  return fs
    .readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !SKIP.has(e.name))
    .map((e) => {
      const dir = path.join(parent, e.name);
      let packageName: string | undefined;
      try {
        packageName = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name;
      } catch {
        packageName = undefined;
      }
      return { dir, packageName };
    });
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield full;
  }
}

/** CLI: print each violation as `file:line: imports "x" (reason)`; exit 1 when there is any. */
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('check-boundaries.ts')) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../..'));
  const violations = checkBoundaries(root);
  for (const v of violations) process.stdout.write(`${v.file}:${v.line}: imports "${v.specifier}" (${v.reason})\n`);
  if (violations.length > 0) {
    process.stdout.write(`\n${violations.length} import boundary violation(s): extensions talk to the host only through @kith/sdk.\n`);
    process.exit(1);
  }
  process.stdout.write('import boundaries: clean\n');
}
