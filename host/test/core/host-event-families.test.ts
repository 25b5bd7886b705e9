/**
 * A third-party extension's page events are `<id>:<name>`, so an id equal to a family of the
 * host's own events (`session:open`) could forge them; route-rules.ts refuses such ids using
 * HOST_EVENT_FAMILIES. This keeps that list complete: every event name the host's code emits to
 * pages with a literal name belongs to a listed family.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_EVENT_FAMILIES } from '../../src/core/ui-hub.js';

const HOST_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('host page events: every family is reserved from extension ids', () => {
  it('lists the family of each event the host emits with a literal name', () => {
    const emitted = new Set<string>();
    for (const file of sourceFiles(HOST_SRC)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:\bui|#ui|\bhub)\??\.emit\(\s*['`]([a-z0-9-]+):/gi)) emitted.add(match[1]!);
    }
    expect([...emitted], 'found the host emitting events at all').to.include.members(['session', 'extensions', 'bus']);
    for (const family of emitted) expect(HOST_EVENT_FAMILIES, `family "${family}"`).to.include(family);
  });
});
