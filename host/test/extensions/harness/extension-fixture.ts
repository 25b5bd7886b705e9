import fs from 'node:fs';
import path from 'node:path';

/** Write an extension folder: package.json with a `kith` section and an ESM entry module. */
export function writeExtension(
  parent: string,
  folder: string,
  kith: Record<string, unknown>,
  source = 'export default { activate() {} };',
  extra: Record<string, string> = {},
): string {
  const root = path.join(parent, folder);
  fs.mkdirSync(root, { recursive: true });
  const manifest = { displayName: folder, hostVersion: '^1.0.0', main: 'main.mjs', ...kith };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: `test-${folder}`, version: '1.2.3', kith: manifest }, null, 2));
  fs.writeFileSync(path.join(root, 'main.mjs'), source);
  for (const [file, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}
