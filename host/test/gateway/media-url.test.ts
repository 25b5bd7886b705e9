import { expect } from 'chai';
import { MEDIA_URL_TTL_MS, canonicalMediaPath, createMediaUrlSigner } from '../../src/gateway/media-url.js';

const SECRET = 'a launch secret of enough length';

function tokenOf(url: string): string {
  return url.split('kith_media=')[1]!;
}

describe('gateway: media URLs', () => {
  const signer = createMediaUrlSigner(SECRET);

  it('opens exactly the signed path until it expires, and never under another launch secret', () => {
    const now = 1_800_000_000_000;
    const { url, expiresAt } = signer.sign('/ext/files/inbound/abc/stream', now);
    expect(expiresAt).to.equal(now + MEDIA_URL_TTL_MS);
    const token = tokenOf(url);
    expect(signer.opens('/ext/files/inbound/abc/stream', token, now)).to.equal(true);
    expect(signer.opens('/ext/files/inbound/abd/stream', token, now)).to.equal(false);
    expect(signer.opens('/ext/files/inbound/abc/stream', token, expiresAt)).to.equal(false);
    expect(createMediaUrlSigner(`${SECRET}!`).opens('/ext/files/inbound/abc/stream', token, now)).to.equal(false);
  });

  it('refuses a forged expiry, malformed and oversized tokens', () => {
    const now = 1_800_000_000_000;
    const token = tokenOf(signer.sign('/a', now).url);
    const [, mac] = token.split('.');
    const later = (now + MEDIA_URL_TTL_MS * 10).toString(36);
    expect(signer.opens('/a', `${later}.${mac}`, now)).to.equal(false);
    for (const bad of [undefined, 42, '', '.', 'zz', `${token}x`, 'x'.repeat(10_000)]) expect(signer.opens('/a', bad, now)).to.equal(false);
  });

  it('signs the path a browser will request, and refuses what is not an API path', () => {
    expect(canonicalMediaPath('/ext/a b/../c')).to.equal('/ext/c');
    expect(canonicalMediaPath('/ext/é')).to.equal('/ext/%C3%A9');
    for (const bad of ['', 'ext/a', '//evil.example/a', '/a?b=1', '/a#b', '/a\\b', '/a\u0000', 7, `/${'a'.repeat(3000)}`]) {
      expect(() => canonicalMediaPath(bad), String(bad)).to.throw(/path/);
    }
  });
});
