import { expect } from 'chai';
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
