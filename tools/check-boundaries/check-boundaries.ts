/**
 * The import boundaries. The host depends on `rendezvous/` and `sdk/`, never the reverse: no file
 * under those two may import anything under `host/`. Code under `extensions/*` and `sdk/examples/*`
 * talks to the host only through `@kith/sdk`: it may import neither `host/` nor another extension
 * (its folder or its package). "Import" covers import, export-from, dynamic import() and require();
 * a host import is a relative path into `host/` or a specifier naming `host` or `/host/src`.
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
/** Folders the host builds on: they must not import it back. */
const BELOW_HOST = ['rendezvous', 'sdk'];

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
  const check = (file: string, judge: (specifier: string) => string | undefined) => {
    const text = fs.readFileSync(file, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const reason = judge(ref.fileName);
      if (reason) violations.push({ file: path.relative(root, file), line: text.slice(0, ref.pos).split('\n').length, specifier: ref.fileName, reason });
    }
  };
  for (const unit of units) {
    for (const file of sourceFiles(unit.dir)) check(file, (s) => judgeExtension(s, file, unit, units, hostDir));
  }
  for (const dir of BELOW_HOST.map((d) => path.join(root, d))) {
    if (!fs.existsSync(dir)) continue;
    for (const file of sourceFiles(dir)) {
      if (units.some((u) => inside(file, u.dir))) continue; // an example: judged as an extension above
      check(file, (s) => (importsHost(s, file, hostDir) ? `reaches into host/ (the host builds on ${path.relative(root, dir)}/, not the reverse)` : undefined));
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function importsHost(specifier: string, file: string, hostDir: string): boolean {
  if (isPath(specifier)) return inside(path.resolve(path.dirname(file), specifier), hostDir);
  return specifier.includes('/host/src') || specifier === 'host' || specifier.startsWith('host/');
}

function judgeExtension(specifier: string, file: string, unit: Unit, units: readonly Unit[], hostDir: string): string | undefined {
  if (importsHost(specifier, file, hostDir)) return isPath(specifier) ? 'reaches into host/ (use @kith/sdk)' : 'imports the host (use @kith/sdk)';
  if (isPath(specifier)) {
    const target = path.resolve(path.dirname(file), specifier);
    const other = units.find((u) => u !== unit && inside(target, u.dir));
    return other ? `reaches into another extension (${path.basename(other.dir)})` : undefined;
  }
  const other = units.find((u) => u !== unit && u.packageName && (specifier === u.packageName || specifier.startsWith(`${u.packageName}/`)));
  return other ? `imports another extension's package (${other.packageName})` : undefined;
}

function isPath(specifier: string): boolean {
  return specifier.startsWith('.') || path.isAbsolute(specifier);
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
    process.stdout.write(
      `\n${violations.length} import boundary violation(s): rendezvous/ and sdk/ never import host/; extensions talk to the host only through @kith/sdk.\n`,
    );
    process.exit(1);
  }
  process.stdout.write('import boundaries: clean\n');
}
