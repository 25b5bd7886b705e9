/** What the shell keeps of a contributor's `entries` answer (readSlotEntries): checked, bounded, ordered. */
import { expect } from 'chai';
import { MAX_SLOT_ENTRIES, MAX_SLOT_ENTRY_ITEMS, MAX_SLOT_ENTRY_LABEL, MAX_SLOT_ENTRY_TIME, readSlotEntries, type SlotEntrySource } from '../src/index.js';

const from = (extension: string, view: string, title: string): SlotEntrySource => ({ extension, view, title, extensionName: 'Name', builtIn: false });

describe('sdk: readSlotEntries', () => {
  it('keeps well-formed entries, oldest first, with the key, the side and a label', () => {
    const entries = readSlotEntries(
      { entries: [{ id: 'b', at: 20, from_me: true, label: 'File b.png, 2 KB' }, { id: 'a', at: 10 }] },
      { extension: 'files', view: 'files.timeline', title: 'File', extensionName: 'Files', builtIn: true },
    );
    expect(entries).to.deep.equal([
      { key: 'files/files.timeline/a', extension: 'files', view: 'files.timeline', id: 'a', at: 10, fromMe: false, extensionName: 'Files', builtIn: true, label: 'File' },
      { key: 'files/files.timeline/b', extension: 'files', view: 'files.timeline', id: 'b', at: 20, fromMe: true, extensionName: 'Files', builtIn: true, label: 'File b.png, 2 KB' },
    ]);
  });

  it('drops what is not an entry: no id, an id too long, a repeated id, a time that is not a number; not an answer at all', () => {
    const answer = {
      entries: [
        { id: 'ok', at: 1 }, { id: '', at: 1 }, { id: 'x'.repeat(129), at: 1 }, { id: 'ok', at: 2 }, { id: 'nan', at: Number.NaN },
        { id: 'inf', at: Infinity }, { id: 'str', at: '5' }, { id: 'past-dates', at: MAX_SLOT_ENTRY_TIME + 1 }, { id: 'before-dates', at: -1e300 },
        { id: 'last-date', at: MAX_SLOT_ENTRY_TIME }, { id: 7, at: 1 }, null, 'text', [], { id: 'fromMe', at: 3, from_me: 'yes' },
      ],
    };
    const entries = readSlotEntries(answer, from('p', 'p.v', 'T'));
    expect(entries.map((e) => [e.id, e.at, e.fromMe])).to.deep.equal([['ok', 1, false], ['fromMe', 3, false], ['last-date', MAX_SLOT_ENTRY_TIME, false]]);
    for (const bad of [null, undefined, 'entries', 42, {}, { entries: 'x' }, { entries: {} }]) expect(readSlotEntries(bad, from('p', 'p.v', 'T'))).to.deep.equal([]);
  });

  it('keeps the newest MAX_SLOT_ENTRIES, cuts long labels, and names an entry without a label by the title', () => {
    const many = Array.from({ length: MAX_SLOT_ENTRIES + 50 }, (_, i) => ({ id: `e${i}`, at: i, label: i === MAX_SLOT_ENTRIES + 49 ? 'L'.repeat(1000) : '  ' }));
    const entries = readSlotEntries({ entries: many }, from('p', 'p.v', 'Title'));
    expect(entries).to.have.length(MAX_SLOT_ENTRIES);
    expect(entries[0]!.id).to.equal('e50');
    expect(entries.at(-1)!.label).to.have.length(MAX_SLOT_ENTRY_LABEL);
    expect(entries[0]!.label).to.equal('Title');
  });

  it("removes bidi overrides and invisible marks from a contributor's label", () => {
    const [entry] = readSlotEntries({ entries: [{ id: 'a', at: 1, label: 'File \u202egnp.exe' }] }, from('p', 'p.v', 'T'));
    expect(entry!.label).to.equal('File gnp.exe');
  });

  it('looks at the first 10,000 items of an answer, whatever their order, and keeps the newest 500 of them', () => {
    const oldestFirst = Array.from({ length: MAX_SLOT_ENTRY_ITEMS + 50 }, (_, i) => ({ id: `e${i}`, at: i }));
    const entries = readSlotEntries({ entries: oldestFirst }, from('p', 'p.v', 'T'));
    // The newest of the items read, not of the whole answer: the 50 past the limit are not looked at.
    expect(entries.map((e) => e.id).slice(-2)).to.deep.equal([`e${MAX_SLOT_ENTRY_ITEMS - 2}`, `e${MAX_SLOT_ENTRY_ITEMS - 1}`]);
    expect(entries[0]!.id).to.equal(`e${MAX_SLOT_ENTRY_ITEMS - MAX_SLOT_ENTRIES}`);
    expect(entries).to.have.length(MAX_SLOT_ENTRIES);
  });

  it('orders equal times alike for every reader (by key)', () => {
    const entries = readSlotEntries({ entries: [{ id: 'z', at: 5 }, { id: 'a', at: 5 }] }, from('p', 'p.v', 'T'));
    expect(entries.map((e) => e.id)).to.deep.equal(['a', 'z']);
  });
});
