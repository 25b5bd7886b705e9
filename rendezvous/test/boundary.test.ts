import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

describe('rendezvous import boundary', () => {
  it('nothing in rendezvous/src imports the host (the host may import rendezvous, not the reverse)', () => {
    const offenders: string[] = [];
    for (const file of sources(path.join(root, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        if (match[1]!.startsWith('.') && !target.startsWith(root + path.sep)) offenders.push(`${path.relative(root, file)} → ${match[1]}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
