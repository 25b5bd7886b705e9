import { expect } from 'chai';
import { buildCatalog } from '../../src/extensions/catalog.js';
import type { DiscoveredExtension } from '../../src/extensions/discovery.js';

function ext(id: string, kith: Record<string, unknown> = {}, builtin = true): DiscoveredExtension {
  return {
    root: `/virtual/${id}`,
    builtin,
    folder: id,
    packageJson: { name: id, version: '1.0.0', kith: { id, displayName: id, hostVersion: '^1.0.0', main: 'main.js', ...kith } },
    load: async () => ({ activate() {} }),
  };
}

describe('extensions: catalog (versions, dependencies, order)', () => {
  it('orders every extension after its dependencies', () => {
    const records = buildCatalog(
      [ext('chat', { dependencies: { pairing: '^1.0.0' } }), ext('calls', { dependencies: { chat: '^1.0.0', pairing: '1.x' } }), ext('pairing')],
      '1.0.0',
    );
    expect(records.map((r) => r.id)).to.deep.equal(['pairing', 'chat', 'calls']);
    expect(records.every((r) => r.installError === undefined)).to.equal(true);
  });

  it('faults a missing dependency with a named error, and its dependents too', () => {
    const records = buildCatalog([ext('chat', { dependencies: { pairing: '^1.0.0' } }), ext('calls', { dependencies: { chat: '^1.0.0' } })], '1.0.0');
    const chat = records.find((r) => r.id === 'chat')!;
    const calls = records.find((r) => r.id === 'calls')!;
    expect(chat.installError?.code).to.equal('KITH_ERR_DEPENDENCY_MISSING');
    expect(chat.installError?.message).to.contain('"pairing"').and.contain('not installed');
    expect(calls.installError?.message).to.contain('"chat", which is faulted');
  });

  it('faults a dependency of the wrong version and a dependency cycle', () => {
    const records = buildCatalog(
      [ext('aa', { dependencies: { bb: '^2.0.0' } }), ext('bb'), ext('cc', { dependencies: { dd: '*' } }), ext('dd', { dependencies: { cc: '*' } })],
      '1.0.0',
    );
    expect(records.find((r) => r.id === 'aa')!.installError?.message).to.contain('^2.0.0; version 1.0.0 is installed');
    expect(records.find((r) => r.id === 'cc')!.installError?.message).to.contain('cycle');
    expect(records.find((r) => r.id === 'dd')!.installError?.message).to.contain('cycle');
    expect(records.find((r) => r.id === 'bb')!.installError).to.equal(undefined);
  });

  it('checks the host version range against the running host', () => {
    const [old] = buildCatalog([ext('old', { hostVersion: '^0.5.0' })], '1.0.0');
    expect(old!.installError?.code).to.equal('KITH_ERR_HOST_VERSION');
    expect(old!.installError?.message).to.contain('^0.5.0').and.contain('1.0.0');
    const [fits] = buildCatalog([ext('fits', { hostVersion: '>=1.0.0 <3' })], '2.1.0');
    expect(fits!.installError).to.equal(undefined);
  });

  it('keeps the first of two extensions with one id and faults the second', () => {
    const records = buildCatalog([ext('chat'), ext('chat', {}, false)], '1.0.0');
    expect(records).to.have.length(2);
    expect(records[0]!.installError).to.equal(undefined);
    expect(records[1]!.installError?.code).to.equal('KITH_ERR_DUPLICATE');
  });

  it('faults an extension claiming a kind or route another already owns', () => {
    const records = buildCatalog(
      [ext('chat', { kinds: ['chat.text'] }), ext('chat-two', { kinds: ['chat.text'] }), ext('xx', { contributes: { routes: ['GET /a'] } }), ext('yy', { contributes: { routes: ['GET /a'] } })],
      '1.0.0',
    );
    expect(records.find((r) => r.id === 'chat-two')!.installError?.message).to.contain('"chat.text" is already owned by extension "chat"');
    expect(records.find((r) => r.id === 'yy')!.installError?.message).to.contain('"GET /a" is already owned by extension "xx"');
  });

  it('lets several extensions share the stream lifecycle kinds', () => {
    const records = buildCatalog([ext('files', { kinds: ['stream.open', 'stream.close'] }), ext('calls', { kinds: ['stream.open', 'stream.close'] })], '1.0.0');
    expect(records.map((r) => r.installError)).to.deep.equal([undefined, undefined]);
  });

  it('reports an invalid manifest under its folder name', () => {
    const bad: DiscoveredExtension = { ...ext('broken'), packageJson: { name: 'broken', version: '1.0.0', kith: { id: 'BAD' } } };
    const [record] = buildCatalog([bad], '1.0.0');
    expect(record!.id).to.equal('broken');
    expect(record!.installError?.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(record!.installError?.message).to.contain('kith.id');
  });
});
