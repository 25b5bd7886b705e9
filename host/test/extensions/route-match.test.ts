/**
 * The front door's route matcher: it lets a large declared body through only for a URL that
 * reaches a streamed route's pattern, and says no to shapes it does not know.
 */
import { expect } from 'chai';
import { urlMatchesRoute } from '../../src/extensions/route-match.js';

const CASES: Array<[string, string, boolean]> = [
  ['/media/blobs', '/api/media/blobs', true],
  ['/media/blobs', '/api/media/blobs/', true],
  ['/media/blobs', '/api/Media/Blobs?x=1', true],
  ['/media/blobs/:id', '/api/media/blobs/ab12', true],
  ['/media/blobs/:id', '/api/media/blobs/', false],
  ['/media/blobs/:id', '/api/media/blobs', false],
  ['/media/blobs/:id', '/api/media/blobs/ab/cd', false],
  ['/media/*rest', '/api/media/a/b/c', true],
  ['/media/*rest', '/api/media', false],
  ['/media/blobs', '/media/blobs', false],
  ['/media/blobs', '/apix/media/blobs', false],
  ['/media/blobs', '/api/media/blobsx', false],
  ['/media/{:id}', '/api/media/x', false], // an optional group: not judged, so no
];

describe('extensions: urlMatchesRoute (the gateway front door for streamed bodies)', () => {
  for (const [pattern, url, expected] of CASES) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${url}`, () => {
      expect(urlMatchesRoute(pattern, url)).to.equal(expected);
    });
  }
});
