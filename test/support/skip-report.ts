import fs from 'node:fs';
import { missingParts, REQUIRE_ALL } from './needs.js';
import { SYSTEM_PARTS } from './system-parts.js';

/**
 * Mocha root-hook plugin (loaded through `require` in .mocharc.cjs): after the run, one list of
 * the system parts that were missing, how many tests each kept from running, and how to install
 * it. Printed on exit so it comes after mocha's own summary.
 */
export function skipReport(): string {
  const parts = [...missingParts().values()];
  if (parts.length === 0) return '';
  const total = parts.reduce((n, p) => n + p.tests, 0);
  const heading = REQUIRE_ALL
    ? `FAILED: ${parts.length} system part(s) missing and KITH_REQUIRE_ALL=1 forbids skipping (${total} tests could not run):`
    : `Skipped ${total} tests: ${parts.length} system part(s) missing on this machine:`;
  const width = Math.max(...parts.map((p) => p.part.length));
  const lines = parts.map((p) => `  ${p.part.padEnd(width)}  ${String(p.tests).padStart(3)} tests  ${p.reason}; install: ${SYSTEM_PARTS[p.part].install}`);
  return [heading, ...lines, '  (`bash .ci/run` installs them all and runs everything)'].join('\n');
}

export const mochaHooks = {
  beforeAll(): void {
    process.once('exit', () => {
      const report = skipReport();
      if (report) fs.writeSync(1, `\n${report}\n\n`);
    });
  },
};
