/**
 * `@kith/sdk` as an outside author gets it: `npm pack` in sdk/, the tarball installed into an
 * empty temp folder outside the checkout, loaded by plain Node, the starter generated there,
 * typechecked there against the installed package only, and its two-host test run green against
 * the real Kith program (this checkout, named through KITH_HOST_COMMAND like any other program),
 * and again against the packaged executable, as docs/extensions.md §0 tells authors to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { executableName } from '../../tools/package/package-paths.js';

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(sdkDir, '..');

/** Run a command outside the checkout with a plain Node (no tsx loader, no repo on any path). */
function run(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const clean = { ...process.env, ...env };
  delete clean.NODE_OPTIONS;
  delete clean.KITH_HOST_COMMAND;
  delete clean.KITH_HOST_CWD;
  Object.assign(clean, env);
  const result = spawnSync(command, args, { cwd, env: clean, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

describe('@kith/sdk packed, installed and used outside the repository', function () {
  this.timeout(600_000);
  let work: string;
  let tarball: string;
  let project: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-sdk-outside-'));
    expect(path.relative(repo, work).startsWith('..')).to.equal(true);
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs compiled JS, declarations, the starter template and no sources or tests', () => {
    const out = run('npm', ['pack', '--json', '--pack-destination', work], sdkDir);
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, packed!.filename);
    const files = packed!.files.map((f) => f.path);
    expect(files).to.include.members([
      'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'bin/create.mjs',
      'templates/extension/package.json', 'templates/extension/src/activate.ts', 'templates/extension/test/two-hosts.test.ts',
    ]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).to.deep.equal([]);
    // The hello example the guide explains the API with ships as source to read, nothing built.
    const example = files.filter((f) => f.startsWith('examples/'));
    expect(example).to.include.members(['examples/hello/src/extension.ts', 'examples/hello/src/ui/hello-panel.ts', 'examples/hello/test/two-hosts.test.ts', 'examples/hello/build.mjs', 'examples/hello/package.json']);
    expect(example.filter((f) => !/^examples\/hello\/(src|test)\/.+\.ts$|^examples\/hello\/(build\.mjs|package\.json|README\.md)$/.test(f))).to.deep.equal([]);
    // The declarations import no express and no host module: every type they expose is the SDK's
    // own, a dependency's (socket.io-client) or a peer's (kysely).
    const declarations = files.filter((f) => f.endsWith('.d.ts')).map((f) => fs.readFileSync(path.join(sdkDir, f), 'utf8')).join('\n');
    const imported = [...declarations.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!).filter((s) => !s.startsWith('.'));
    expect([...new Set(imported)].sort()).to.deep.equal(['kysely', 'node:child_process']);
  });

  it('installs into an empty folder and loads in plain Node', () => {
    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], consumer);
    const installed = fs.realpathSync(path.join(consumer, 'node_modules/@kith/sdk'));
    expect(installed.startsWith(repo)).to.equal(false);
    const loaded = run(process.execPath, ['--input-type=module', '-e', `
      const sdk = await import('@kith/sdk');
      const kit = await import('@kith/sdk/testing');
      const tamper = await import('@kith/sdk/testing/tamper');
      console.log(JSON.stringify({ version: sdk.SDK_API_VERSION, error: new sdk.KithError('KITH_ERR_LOCKED').status,
        proposals: Object.keys(sdk.API_PROPOSALS), kit: [typeof kit.startTestHost, typeof kit.startTestNetwork, tamper.tamperedExtension === kit.tamperedExtension] }));
    `], consumer);
    // The API version the installed package exports is the package's own version.
    const { version } = JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(loaded)).to.deep.equal({ version, error: 423, proposals: ['hostInfo'], kit: ['function', 'function', true] });
    // A tampered test copy bundles it into an ES module: it may load no module at run time (docs/extensions.md).
    const tamper = fs.readFileSync(path.join(installed, 'dist/testing/send-tamper.js'), 'utf8');
    expect(tamper).to.not.match(/\bimport\b|\brequire\(/);
  });

  it('generates the starter, which typechecks against the installed package only', () => {
    const consumer = path.join(work, 'consumer');
    run(process.execPath, ['node_modules/@kith/sdk/bin/create.mjs', 'create', 'ping-ext', '--sdk', `file:${tarball}`], consumer);
    project = path.join(consumer, 'ping-ext');
    expect(fs.existsSync(path.join(project, '.gitignore'))).to.equal(true);
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
    const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
    const listed = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', '--listFiles'], project).split('\n').filter(Boolean);
    expect(listed.filter((file) => path.resolve(project, file).startsWith(repo))).to.deep.equal([]);
    expect(listed.some((file) => file.includes('node_modules/@kith/sdk/dist/context.d.ts'))).to.equal(true);
  });

  it('runs the starter\'s two-host test green against the real Kith program', () => {
    const output = run('npm', ['test'], project, {
      KITH_HOST_COMMAND: JSON.stringify([process.execPath, '--import', 'tsx', path.join(repo, 'host/src/main.ts')]),
      KITH_HOST_CWD: repo,
    });
    expect(output).to.match(/# pass 2\b/);
    expect(output).to.match(/# fail 0\b/);
    expect(output).to.contain("ok 1 - a ping from Alice reaches Bob's page");
  });

  it('runs the starter\'s two-host test green against the packaged executable', () => {
    // Built when older than its sources, one build at a time (the lock test/package takes too).
    const build = [process.execPath, '--import', 'tsx', path.join(repo, 'tools/package/package.ts'), '--if-stale'];
    if (process.platform === 'linux') run('flock', ['/tmp/kith-package.lock', ...build], repo);
    else run(build[0]!, build.slice(1), repo);
    const output = run('npm', ['test'], project, { KITH_HOST_COMMAND: path.join(repo, 'dist', executableName()) });
    expect(output).to.match(/# pass 2\b/);
    expect(output).to.match(/# fail 0\b/);
    expect(output).to.contain("ok 1 - a ping from Alice reaches Bob's page");
  });
});
