import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { checkBoundaries } from '../check-boundaries/check-boundaries.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const script = path.join(repoRoot, 'tools/check-boundaries/check-boundaries.ts');

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

function runCli(root: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, root], { encoding: 'utf8', cwd: repoRoot });
}

describe('tools: import boundary check', () => {
  let tree: string;

  beforeEach(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-boundaries-'));
    write(tree, 'host/src/host.ts', 'export const secret = 1;\n');
    write(tree, 'extensions/chat/package.json', JSON.stringify({ name: '@kith/ext-chat' }));
    write(tree, 'extensions/chat/src/activate.ts', "import { defineExtension } from '@kith/sdk';\nimport { x } from './local.js';\n");
    write(tree, 'extensions/pairing/package.json', JSON.stringify({ name: '@kith/ext-pairing' }));
    write(tree, 'extensions/pairing/src/ok.ts', "import type { ExtensionContext } from '@kith/sdk';\n");
    write(tree, 'sdk/examples/hello/package.json', JSON.stringify({ name: '@kith/example-hello' }));
    write(tree, 'sdk/examples/hello/src/extension.ts', "import { Disposable } from '@kith/sdk';\n");
  });
  afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('passes on the real tree', () => {
    const result = runCli(repoRoot);
    expect(result.stdout + result.stderr).to.contain('import boundaries: clean');
    expect(result.status).to.equal(0);
  });

  it('passes on a tree that imports only @kith/sdk and its own files', () => {
    expect(checkBoundaries(tree)).to.deep.equal([]);
  });

  it('fails on a deliberate violation, naming the file, the line and the import', () => {
    write(tree, 'extensions/chat/src/bad.ts', "import { x } from './local.js';\nimport { secret } from '../../../host/src/host.js';\n");
    const result = runCli(tree);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.contain('extensions/chat/src/bad.ts:2: imports "../../../host/src/host.js" (reaches into host/');
  });

  it('catches every form: host specifiers, other extensions by path or package, dynamic import, require, re-export', () => {
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
    const found = checkBoundaries(tree).map((v) => `${v.file}:${v.line} ${v.specifier}`);
    expect(found).to.deep.equal([
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
    expect(checkBoundaries(tree)).to.deep.equal([]);
  });
});
