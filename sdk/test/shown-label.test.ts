import { expect } from 'chai';
import { cleanLabel, hasUnshowable, MAX_LABEL_CHARS, showableLabel } from '../src/index.js';

describe('sdk: names shown to people', () => {
  const spoofs = ['\u202eecila', 'ali\u200bce', 'a\u0085b', 'x\u2066y\u2069', 'al\ufeffice', 'a\u200fb', 'a\u2028b', 'a\u0000b', 'tab\there', 'del\u007f', 'a\u061cb', 'soft\u00adhyphen', 'a\u180eb'];
  const names = ['Zoë', 'Ана', 'علی', 'מרים', '山田', '👨\u200d👩\u200d👧', 'می\u200cخواهم'];

  it('refuses controls, direction overrides and invisible marks in a typed label; keeps every script and emoji sequence', () => {
    for (const spoof of spoofs) {
      expect(hasUnshowable(spoof), JSON.stringify(spoof)).to.equal(true);
      expect(showableLabel(spoof), JSON.stringify(spoof)).to.equal(undefined);
    }
    for (const name of names) expect(showableLabel(name), name).to.equal(name);
    expect(showableLabel(' Ana Lima ')).to.equal('Ana Lima');
    expect(showableLabel('x'.repeat(MAX_LABEL_CHARS))).to.have.length(MAX_LABEL_CHARS);
    for (const bad of ['x'.repeat(MAX_LABEL_CHARS + 1), '   ', '', 42, null]) expect(showableLabel(bad), String(bad)).to.equal(undefined);
  });

  it('cleans a label from elsewhere: what may not be shown is removed, the rest trimmed and cut, the fallback when nothing is left', () => {
    expect(cleanLabel('\u202eecila', 'Friend')).to.equal('ecila');
    expect(cleanLabel('Bob\u0085\u200b', 'Friend')).to.equal('Bob');
    expect(cleanLabel('\u2066\u2069', 'Friend')).to.equal('Friend');
    expect(cleanLabel(undefined, 'Friend')).to.equal('Friend');
    for (const name of names) expect(cleanLabel(name, 'Friend'), name).to.equal(name);
    expect(cleanLabel('y'.repeat(100), 'Friend')).to.have.length(MAX_LABEL_CHARS);
    // The cut never leaves half of a surrogate pair.
    const cut = cleanLabel('a'.repeat(MAX_LABEL_CHARS - 1) + '😀😀', 'Friend');
    expect(cut).to.equal('a'.repeat(MAX_LABEL_CHARS - 1));
    expect(showableLabel(cut)).to.equal(cut);
    // The global pattern inside keeps no state between calls.
    for (let i = 0; i < 3; i++) expect(cleanLabel('a\u202eb', 'Friend')).to.equal('ab');
  });
});
