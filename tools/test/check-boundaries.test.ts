import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { checkBoundaries } from '../check-boundaries/check-boundaries.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

const script = path.join(repoRoot, 'tools/check-boundaries/check-boundaries.ts');

/** The checker's command line on another tree (it takes the root as its argument). */
function runCli(root: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, root], { encoding: 'utf8', cwd: repoRoot });
}

/** The same through `npm run check:boundaries`, as a developer or CI runs it. */
function runNpmScript(root: string) {
  return spawnSync('npm', ['run', '--silent', 'check:boundaries', '--', root], { encoding: 'utf8', cwd: repoRoot });
}

const found = (root: string) => checkBoundaries(root).map((v) => `${v.file}:${v.line} ${v.specifier}`);

describe('tools: import boundary check', () => {
  let tree: string;

  // A small tree shaped like the repository, where every file keeps to its side.
  beforeEach(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-boundaries-'));
    write(tree, 'host/src/host.ts', "import { startRendezvousServer } from '../../rendezvous/src/server/server.js';\nimport { Disposable } from '@kith/sdk';\n");
    write(tree, 'host/src/version.ts', 'export const VERSION = 1;\n');
    write(tree, 'rendezvous/src/server/server.ts', "import { parsePort } from '../shared/port.js';\nimport express from 'express';\n");
    write(tree, 'rendezvous/src/shared/port.ts', 'export const parsePort = Number;\n');
    write(tree, 'rendezvous/test/server.test.ts', "import { parsePort } from '../src/shared/port.js';\n");
    write(tree, 'sdk/src/index.ts', "export * from './disposable.js';\n");
    write(tree, 'sdk/src/testing/index.ts', "import { spawn } from 'node:child_process';\nimport { Disposable } from '../index.js';\n");
    write(tree, 'extensions/chat/package.json', JSON.stringify({ name: '@kith/ext-chat' }));
    write(tree, 'extensions/chat/src/activate.ts', "import { defineExtension } from '@kith/sdk';\nimport { x } from './local.js';\n");
    write(tree, 'extensions/pairing/package.json', JSON.stringify({ name: '@kith/ext-pairing' }));
    write(tree, 'extensions/pairing/src/ok.ts', "import type { ExtensionContext } from '@kith/sdk';\nimport { startTestHost } from '@kith/sdk/testing';\n");
    write(tree, 'sdk/examples/hello/package.json', JSON.stringify({ name: '@kith/example-hello' }));
    write(tree, 'sdk/examples/hello/src/extension.ts', "import { Disposable } from '@kith/sdk';\n");
  });
  afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('passes on a tree where the host imports rendezvous and sdk, and extensions only @kith/sdk', () => {
    expect(checkBoundaries(tree)).to.deep.equal([]);
    const result = runCli(tree);
    expect(result.stdout).to.contain('import boundaries: clean');
    expect(result.status).to.equal(0);
  });

  it('npm run check:boundaries fails on a planted rendezvous → host import, naming the file, the line and the import', () => {
    write(tree, 'rendezvous/src/server/cli.ts', "import { parsePort } from '../shared/port.js';\nimport { VERSION } from '../../../host/src/version.js';\n");
    const result = runNpmScript(tree);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.contain('rendezvous/src/server/cli.ts:2: imports "../../../host/src/version.js" (reaches into host/ (the host builds on rendezvous/');
  });

  it('fails on planted sdk → host imports: the API, the test kit, its tests, by path or specifier', () => {
    write(tree, 'sdk/src/context.ts', "import type { Area } from '../../host/src/extensions/area.js';\n");
    write(tree, 'sdk/src/testing/test-host.ts', "import { Disposable } from '../index.js';\nconst { startHost } = await import('kith/host/src/host.js');\n");
    write(tree, 'sdk/test/kit.test.ts', "const h = require('../../host/src/host.js');\n");
    expect(found(tree)).to.deep.equal([
      'sdk/src/context.ts:1 ../../host/src/extensions/area.js',
      'sdk/src/testing/test-host.ts:2 kith/host/src/host.js',
      'sdk/test/kit.test.ts:1 ../../host/src/host.js',
    ]);
  });

  it('fails on a planted extension → host import', () => {
    write(tree, 'extensions/chat/src/bad.ts', "import { x } from './local.js';\nimport { secret } from '../../../host/src/host.js';\n");
    expect(checkBoundaries(tree)).to.deep.equal([
      { file: 'extensions/chat/src/bad.ts', line: 2, specifier: '../../../host/src/host.js', reason: 'reaches into host/ (use @kith/sdk)' },
    ]);
  });

  it('fails on a planted extension → other extension import, by path or by package', () => {
    write(tree, 'extensions/chat/src/peek.ts', "import { ok } from '../../pairing/src/ok.js';\nexport * from '@kith/ext-pairing/src/ok.js';\n");
    expect(checkBoundaries(tree).map((v) => `${v.file}:${v.line} ${v.reason}`)).to.deep.equal([
      'extensions/chat/src/peek.ts:1 reaches into another extension (pairing)',
      "extensions/chat/src/peek.ts:2 imports another extension's package (@kith/ext-pairing)",
    ]);
  });

  it('catches every form in an example: host specifiers, other extensions by path or package, dynamic import, require, re-export', () => {
    write(
      tree,
      'sdk/examples/hello/src/sneaky.ts',
      [
        "import a from 'kith/host/src/storage/database.js';",
        "export * from '../../../../extensions/chat/src/activate.js';",
        "const b = await import('@kith/ext-pairing/src/ok.js');",
        "const c = require('../../../../host/src/log.js');",
        "import d from '@kith/ext-chat';",
      ].join('\n'),
    );
    expect(found(tree)).to.deep.equal([
      'sdk/examples/hello/src/sneaky.ts:1 kith/host/src/storage/database.js',
      'sdk/examples/hello/src/sneaky.ts:2 ../../../../extensions/chat/src/activate.js',
      'sdk/examples/hello/src/sneaky.ts:3 @kith/ext-pairing/src/ok.js',
      'sdk/examples/hello/src/sneaky.ts:4 ../../../../host/src/log.js',
      'sdk/examples/hello/src/sneaky.ts:5 @kith/ext-chat',
    ]);
  });

  it('ignores node_modules and build output', () => {
    write(tree, 'extensions/chat/node_modules/x/index.js', "require('../../../../host/src/host.js');\n");
    write(tree, 'extensions/chat/dist/bundle.js', "import '../../../host/src/host.js';\n");
    write(tree, 'sdk/dist/testing.js', "import '../../host/src/host.js';\n");
    write(tree, 'rendezvous/node_modules/y/index.js', "require('../../../host/src/host.js');\n");
    expect(checkBoundaries(tree)).to.deep.equal([]);
  });

  it('the real tree keeps every boundary', () => {
    expect(checkBoundaries(repoRoot)).to.deep.equal([]);
  });
});
