/**
 * remote-members.json is the one list of how each ExtensionContext member reaches an extension in
 * its own process. Read the SDK's declaration of ExtensionContext with the TypeScript checker and
 * require a row for every member (a new SDK member without one fails here, never silently there).
 */
import { expect } from 'chai';
import path from 'node:path';
import ts from 'typescript';
import table from '../../host/src/extensions/isolation/remote-members.json' with { type: 'json' };

const KINDS = new Set(['call', 'notify', 'listen', 'route', 'stream', 'channel', 'udp', 'listener', 'local', 'snapshot', 'unavailable']);

function contextMembers(): string[] {
  const file = path.resolve('sdk/src/context.ts');
  const program = ts.createProgram([file], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'ExtensionContext')!;
  const members: string[] = [];
  for (const property of checker.getPropertiesOfType(checker.getTypeAtLocation(declaration))) {
    const name = property.getName();
    if (Object.hasOwn(table, name)) {
      members.push(name); // plain data or built there as a whole (extension, persona, subscriptions)
      continue;
    }
    const type = checker.getTypeOfSymbolAtLocation(property, declaration);
    for (const inner of checker.getPropertiesOfType(type)) members.push(`${name}.${inner.getName()}`);
  }
  return members;
}

describe('isolation: remote-members.json covers every ExtensionContext member', () => {
  const rows = table as Record<string, string>;
  const members = contextMembers();

  it('finds the context\'s groups and members in the SDK', () => {
    expect(members.length).to.be.greaterThan(60);
    expect(members).to.include.members(['blobs.readStream', 'pageChannels.register', 'sessions.all', 'storage.db', 'proposed.hostInfo']);
  });

  it('has a row, of a known kind, for each member', () => {
    const missing = members.filter((m) => !Object.hasOwn(rows, m));
    expect(missing, 'members without a row').to.deep.equal([]);
    const unknown = Object.entries(rows).filter(([m, kind]) => m !== '//' && !KINDS.has(kind));
    expect(unknown, 'rows of an unknown kind').to.deep.equal([]);
  });

  it('has no row for a member the context does not have (storage.channel.* are the storage dialect\'s calls)', () => {
    const stale = Object.keys(rows).filter((m) => m !== '//' && !m.startsWith('storage.channel.') && !members.includes(m));
    expect(stale).to.deep.equal([]);
  });
});
