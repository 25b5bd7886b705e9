import { expect } from 'chai';
import { createInvite, decodeInvite, encodeInvite } from '../src/invite-token.js';

describe('invite tokens', () => {
  it('round-trips the rendezvous URL, a 12-word secret, the label and the expiry', () => {
    const invite = createInvite('http://127.0.0.1:9/', 'Alice', 60_000, 1000);
    const token = encodeInvite(invite);
    expect(token).to.match(/^kith-invite:v1:[A-Za-z0-9_-]+$/);
    const back = decodeInvite(`  ${token}\n`, 2000);
    expect(back.rendezvousUrl).to.equal('http://127.0.0.1:9');
    expect(back.code.canonical).to.equal(invite.code.canonical);
    expect(back.code.canonical.split("-")).to.have.length(12);
    expect(back.code.kind).to.equal("invite");
    expect(back.label).to.equal('Alice');
    expect(back.expiresAt).to.equal(61_000);
  });

  it('gives a clear error for foreign, damaged and expired tokens', () => {
    const token = encodeInvite(createInvite('https://rv.example', 'A', 10, 0));
    expect(() => decodeInvite('hello', 0)).to.throw(/not a Kith invite/);
    expect(() => decodeInvite(token.slice(0, -6) + '!!!!!!', 0)).to.throw(/damaged/);
    expect(() => decodeInvite('kith-invite:v1:' + Buffer.from('{"u":1}').toString('base64url'), 0)).to.throw(/damaged/);
    expect(() => decodeInvite(token, 11)).to.throw(/expired/);
    expect(() => createInvite('ftp://x', 'A', 10)).to.throw(/http/);
  });
});
