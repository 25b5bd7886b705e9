import type { Suite } from 'mocha';
import { missingReason, SYSTEM_PARTS, type SystemPart } from './system-parts.js';

/** A system part that was missing, and the tests that did not run for it. */
export interface MissingPart {
  readonly part: SystemPart;
  readonly reason: string;
  tests: number;
  readonly suites: string[];
}

/** CI sets this (`.ci/run`): a missing part then fails its suites instead of skipping them. */
export const REQUIRE_ALL = process.env.KITH_REQUIRE_ALL === '1';

// On globalThis, so the report plugin and the suites share it however each was loaded.
const REGISTRY = Symbol.for('kith.test.missing-parts');

/** Every part found missing so far in this run. */
export function missingParts(): Map<SystemPart, MissingPart> {
  const store = globalThis as { [REGISTRY]?: Map<SystemPart, MissingPart> };
  return (store[REGISTRY] ??= new Map());
}

/**
 * Declare, in a describe body, the system parts its tests drive. Where one is missing the whole
 * suite is skipped and counted for the end-of-run list (`skip-report.ts`); under KITH_REQUIRE_ALL=1
 * it fails instead. Call it before the suite's own `before` hooks, which then do not run.
 */
export function needs(...parts: SystemPart[]): void {
  before(`needs ${parts.join(', ')}`, function () {
    const absent = parts.filter((part) => missingReason(part) !== undefined);
    if (absent.length === 0) return;
    const suite = this.test!.parent as Suite;
    for (const part of absent) record(part, suite);
    const why = absent.map((part) => `${part}: ${missingReason(part)} (${SYSTEM_PARTS[part].install})`).join('; ');
    if (REQUIRE_ALL) throw new Error(`a system part is missing and KITH_REQUIRE_ALL=1 forbids skipping: ${why}`);
    this.skip();
  });
}

function record(part: SystemPart, suite: Suite): void {
  const parts = missingParts();
  const entry = parts.get(part) ?? { part, reason: missingReason(part)!, tests: 0, suites: [] };
  entry.tests += suite.total();
  entry.suites.push(suite.fullTitle());
  parts.set(part, entry);
}
