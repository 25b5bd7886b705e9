import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { nodeOptions } from '../../src/extensions/isolation/process-flags.js';

/**
 * The packaged executable hands an extension's process its permission flags in NODE_OPTIONS
 * (process-flags.ts). A folder whose name holds spaces, quotes or backslashes must reach Node's own
 * parser whole: checked by a real Node reading the value, not by comparing strings.
 */
describe('extension host: permission flags through NODE_OPTIONS', () => {
  it('keeps a folder named with spaces, quotes and backslashes whole, and grants nothing else', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-node-options-'));
    const odd = path.join(base, 'My "odd" \\ folder');
    const other = path.join(base, 'other');
    try {
      for (const dir of [odd, other]) fs.mkdirSync(dir);
      fs.writeFileSync(path.join(odd, 'inside.txt'), 'yes');
      fs.writeFileSync(path.join(other, 'outside.txt'), 'no');
      const probe = `
        const fs = require('node:fs');
        const read = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch (e) { return e.code; } };
        console.log(JSON.stringify({ inside: read(${JSON.stringify(path.join(odd, 'inside.txt'))}), outside: read(${JSON.stringify(path.join(other, 'outside.txt'))}),
          heapMiB: Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20) }));`;
      const options = nodeOptions(['--experimental-permission', `--allow-fs-read=${odd}`, '--max-old-space-size=48']);
      const run = spawnSync(process.execPath, ['-e', probe], { env: { NODE_OPTIONS: options }, encoding: 'utf8' });
      expect(run.status, run.stderr).to.equal(0);
      const seen = JSON.parse(run.stdout) as { inside: string; outside: string; heapMiB: number };
      expect(seen.inside).to.equal('yes');
      expect(seen.outside).to.equal('ERR_ACCESS_DENIED');
      expect(seen.heapMiB).to.be.below(128);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
