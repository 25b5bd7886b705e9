/**
 * The files extension keeps its received files under the host's cap on blobs, which it may not
 * import (extensions reach the host only through the SDK): its copy of the cap must be the host's,
 * or a changed cap would let received files take the user's reserve (or refuse them too early).
 */
import { expect } from 'chai';
import { MAX_BLOBS } from '../../host/src/blobs/blob-limits.js';
import { BLOB_RESERVE, HOST_MAX_BLOBS } from '../../extensions/files/src/blob-budget.js';

describe("e2e: the files extension's blob budget follows the host's cap", () => {
  it('uses the host cap, with a reserve well inside it', () => {
    expect(HOST_MAX_BLOBS).to.equal(MAX_BLOBS);
    expect(BLOB_RESERVE).to.be.above(0).and.below(MAX_BLOBS / 4);
  });
});
