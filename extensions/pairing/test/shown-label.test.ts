import { expect } from 'chai';
import { MAX_LABEL_CHARS, showableLabel } from '@kith/sdk';
import { distinctLabel } from '../src/distinct-label.js';
import { checkOwnLabel, cleanFriendLabel } from '../src/shown-label.js';

describe('pairing: labels a friend chose and labels the user types', () => {
  it("cleans a friend's own label instead of failing the save after the keys were exchanged", () => {
    expect(cleanFriendLabel('\u202eecila')).to.equal('ecila');
    expect(cleanFriendLabel('Bob\u0085\u200b')).to.equal('Bob');
    expect(cleanFriendLabel('\u2066\u2069')).to.equal('Friend');
    expect(cleanFriendLabel('👨\u200d👩\u200d👧 family')).to.equal('👨\u200d👩\u200d👧 family');
    expect(cleanFriendLabel('y'.repeat(100))).to.have.length(64);
  });

  it("refuses the user's own label with such characters before any pairing starts", () => {
    expect(checkOwnLabel(undefined)).to.equal(undefined);
    expect(checkOwnLabel('Carol')).to.equal('Carol');
    for (const bad of ['\u202eevil', 'a\u0085', 'x\u200by']) expect(() => checkOwnLabel(bad)).to.throw(/printable/);
    // The flag-g pattern keeps no state between calls.
    expect(checkOwnLabel('Carol')).to.equal('Carol');
  });
});

describe("pairing: a new friend's own name never passes for a saved friend's", () => {
  it('numbers a name that looks like a saved one (case, width, spacing folded) and keeps the rest', () => {
    expect(distinctLabel('Mom', ['Dad', 'Carol'])).to.equal('Mom');
    expect(distinctLabel('Mom', ['Mom'])).to.equal('Mom (2)');
    expect(distinctLabel('MOM', ['mom', 'Mom (2)'])).to.equal('MOM (3)');
    expect(distinctLabel('ｍｏｍ', ['Mom'])).to.equal('ｍｏｍ (2)');
    expect(distinctLabel('Mom  Smith', ['mom smith'])).to.equal('Mom  Smith (2)');
    expect(distinctLabel('Friend', ['Friend', 'Friend (2)', 'friend (3)'])).to.equal('Friend (4)');
    // Letters of other scripts that look Latin (Cyrillic о and М, Greek ο) read as the Latin ones.
    expect(distinctLabel('M\u043em', ['Mom'])).to.equal('M\u043em (2)');
    expect(distinctLabel('\u041c\u03bfm', ['mom'])).to.equal('\u041c\u03bfm (2)');
    expect(distinctLabel('Jo\u0435 Smith', ['Joe Smith'])).to.equal('Jo\u0435 Smith (2)');
    // Different names stay as they are, in any script.
    expect(distinctLabel('Алиса', ['Alice', 'Bob'])).to.equal('Алиса');
    expect(distinctLabel('محمد', ['Mohammed'])).to.equal('محمد');
    expect(distinctLabel('👨\u200d👩\u200d👧 family', ['Family'])).to.equal('👨\u200d👩\u200d👧 family');
  });

  it('stays within the label limit without splitting a character', () => {
    const long = `${'y'.repeat(62)}😀`;
    const numbered = distinctLabel(long, [long]);
    expect(numbered).to.have.length.at.most(MAX_LABEL_CHARS).and.match(/ \(2\)$/);
    expect(numbered).to.equal(`${'y'.repeat(60)} (2)`);
    expect(showableLabel(numbered)).to.equal(numbered);
  });
});
