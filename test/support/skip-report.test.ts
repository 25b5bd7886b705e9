import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const MOCHA = path.join(ROOT, 'node_modules/mocha/bin/mocha.js');
const FIXTURE = 'test/support/fixtures/needs-parts.fixture.ts';

/** Run the fixture in a child mocha with the repo's shared options and only the given KITH_ switches. */
function runFixture(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KITH_')));
  const run = spawnSync(process.execPath, [MOCHA, '--config', '.mocharc.cjs', FIXTURE], { cwd: ROOT, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('test support: system parts skip with one list, or fail under KITH_REQUIRE_ALL', function () {
  this.timeout(60_000);

  it('skips the suites whose parts are missing and lists each part, its test count and install command', () => {
    const { status, out } = runFixture({ KITH_PRETEND_MISSING: 'chromium,coturn' });
    expect(status, out).to.equal(0);
    expect(out).to.match(/1 passing/).and.match(/3 pending/);
    expect(out).to.contain('Skipped 4 tests: 2 system part(s) missing on this machine:');
    expect(out).to.match(/chromium\s+3 tests\s+KITH_PRETEND_MISSING names it; install: apt-get install -y chromium/);
    expect(out).to.match(/coturn\s+1 tests\s+KITH_PRETEND_MISSING names it; install: apt-get install -y coturn/);
    expect(out.match(/system part\(s\) missing/g), 'the list is printed once').to.have.length(1);
  });

  it('runs the suites whose parts are there and lists only the missing ones', () => {
    // /bin/sh stands in for an installed Chromium (the fixture never launches it).
    const { status, out } = runFixture({ KITH_CHROMIUM: '/bin/sh', KITH_PRETEND_MISSING: 'coturn' });
    expect(status, out).to.equal(0);
    expect(out).to.match(/3 passing/).and.match(/1 pending/);
    expect(out).to.match(/coturn\s+1 tests/);
    expect(out).not.to.match(/chromium\s+\d+ tests/);
  });

  it('fails the run under KITH_REQUIRE_ALL=1, naming each missing part and how to install it', () => {
    const { status, out } = runFixture({ KITH_PRETEND_MISSING: 'chromium,coturn', KITH_REQUIRE_ALL: '1' });
    expect(status, out).to.not.equal(0);
    expect(out).to.match(/2 failing/);
    expect(out).to.contain('FAILED: 2 system part(s) missing and KITH_REQUIRE_ALL=1 forbids skipping (4 tests could not run):');
    expect(out).to.contain('chromium: KITH_PRETEND_MISSING names it (apt-get install -y chromium)');
  });
});
