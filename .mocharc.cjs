// Options every mocha run shares. No spec here, so `npx mocha some/file.test.ts` runs just that
// file; the tiers list their files: .mocharc.full.cjs (`npm test`), .mocharc.fast.cjs (`npm run test:fast`).
module.exports = {
  'node-option': ['import=tsx'],
  // Prints, at the end, the system parts (Chromium, redis-server, ...) whose suites were skipped.
  require: ['test/support/skip-report.ts'],
  timeout: 30000,
  exit: true,
};
