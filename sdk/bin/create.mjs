#!/usr/bin/env node
// Make a new Kith extension from the starter template:
//   npx @kith/sdk create <dir> [--id <id>] [--name <display name>] [--sdk <npm spec>]
//   node node_modules/@kith/sdk/bin/create.mjs <dir> [...]
// --sdk is what the new package.json depends on for @kith/sdk (default ^<this version>); pass e.g.
// file:/path/to/kith-sdk-1.2.0.tgz when the SDK came as a tarball.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const template = path.join(here, '../templates/extension');
const sdk = JSON.parse(fs.readFileSync(path.join(here, '../package.json'), 'utf8'));
const USAGE = 'Usage: create <dir> [--id <id>] [--name <display name>] [--sdk <npm spec for @kith/sdk>]';
const ID = /^[a-z][a-z0-9-]{1,31}$/;

function fail(message) {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args[0] === 'create') args.shift();
const options = {};
let dir;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if (['--id', '--name', '--sdk'].includes(arg)) {
    const value = args[++i];
    if (value === undefined) fail(`${arg} needs a value`);
    options[arg.slice(2)] = value;
  } else if (arg.startsWith('--')) fail(`Unknown option ${arg}`);
  else if (dir === undefined) dir = arg;
  else fail(`Unexpected argument ${arg}`);
}
if (!dir) fail('Name the folder to create.');

const target = path.resolve(dir);
if (fs.existsSync(target) && fs.readdirSync(target).length > 0) fail(`${target} exists and is not empty.`);
const id = options.id ?? path.basename(target).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 32);
if (!ID.test(id)) fail(`"${id}" is not a valid extension id (lowercase letter first, then letters, digits, dashes; 2-32 characters). Pass --id.`);
const displayName = options.name ?? id.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
// The manifest's hostVersion accepts every host of this API version or a later minor one: an
// older host lacks API the starter is typed against.
const { SDK_API_VERSION } = await import('../dist/version.js').catch(() => ({ SDK_API_VERSION: sdk.version }));
const [apiMajor, apiMinor] = SDK_API_VERSION.split('.');

const values = {
  __ID__: id,
  __NAME__: id,
  __DISPLAY_NAME__: displayName,
  __SDK_SPEC__: options.sdk ?? `^${sdk.version}`,
  __API_RANGE__: `^${apiMajor}.${apiMinor}.0`,
  __TYPESCRIPT__: sdk.starter?.typescript ?? '^5.9.3',
  __TYPES_NODE__: sdk.starter?.typesNode ?? '^20.19.0',
};
const fill = (text) => text.replace(/__[A-Z_]+__/g, (key) => (key in values ? values[key] : key));

function copy(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    // npm drops .gitignore from packages, so the template keeps it as "gitignore".
    const name = entry.name === 'gitignore' ? '.gitignore' : entry.name;
    if (entry.isDirectory()) copy(source, path.join(to, name));
    else fs.writeFileSync(path.join(to, name), fill(fs.readFileSync(source, 'utf8')));
  }
}

copy(template, target);
process.stdout.write(
  `Created the Kith extension "${id}" in ${target}\n\n` +
    `  cd ${path.relative(process.cwd(), target) || '.'}\n  npm install\n  npm run typecheck\n` +
    '  KITH_HOST_COMMAND=<the kith program> npm test\n',
);
