import { expect } from 'chai';
import { mayFollowHostEvent, refusePath } from '../../client/src/app/frames/frame-scope.js';

/** What the shell lets a sandboxed view reach: the whole of its access, so every way around it is tried. */
describe("client: a framed view's scope", () => {
  const refused = (method: string, path: unknown) => refusePath('polls', method, path)?.code ?? 'allowed';

  it("allows the extension's own routes, any method, under both of its prefixes", () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(refused(method, '/polls/vote')).to.equal('allowed');
      expect(refused(method, '/ext/polls/vote?x=1')).to.equal('allowed');
    }
    expect(refused('GET', '/polls')).to.equal('allowed');
  });

  it("refuses another extension's or the host's routes, and writes to the host's readable ones", () => {
    for (const path of ['/pollsx/vote', '/ext/pollsx/vote', '/ext/chat/x', '/sessions/abc/messages', '/extensions', '/extensions/chat', '/personas', '/identity/lock', '/media-url', '/ui-frames', '/self/messages']) {
      expect(refused('POST', path), path).to.equal('KITH_ERR_FORBIDDEN');
    }
    expect(refused('GET', '/extensions')).to.equal('KITH_ERR_FORBIDDEN');
    expect(refused('GET', '/sessions')).to.equal('allowed');
    expect(refused('GET', '/identity/state')).to.equal('allowed');
    expect(refused('POST', '/sessions')).to.equal('KITH_ERR_FORBIDDEN');
    expect(refused('GET', '/sessions/x')).to.equal('KITH_ERR_FORBIDDEN');
  });

  it("refuses the page's socket to any view, even one whose id is its name", () => {
    for (const path of ['/ws', '/ws/', '/ws/?EIO=4&transport=polling', '/WS/?EIO=4']) {
      for (const id of ['polls', 'ws']) expect(refusePath(id, 'GET', path)?.code, `${id} ${path}`).to.equal('KITH_ERR_FORBIDDEN');
      expect(refusePath('ws', 'POST', path)?.code, path).to.equal('KITH_ERR_FORBIDDEN');
    }
    expect(refusePath('wsx', 'GET', '/wsx/thing')).to.equal(undefined);
  });

  it('refuses paths a parser or router could turn into another one', () => {
    for (const path of ['/polls/../extensions', '/polls/./x', '/polls//x', '//polls/x', '/polls/%2e%2e/extensions', '/polls%2F..%2Fextensions', '/polls/%2E%2E', '/polls\\..\\x', '/polls/\u0000', 'polls/x', '', 'http://evil/polls/x', '/polls/x'.padEnd(5000, 'x')]) {
      expect(refused('GET', path), JSON.stringify(path.slice(0, 40))).to.equal('KITH_ERR_BAD_REQUEST');
    }
    for (const path of [undefined, null, 42, { toString: () => '/polls/x' }]) expect(refused('GET', path)).to.equal('KITH_ERR_BAD_REQUEST');
  });

  it("follows the host's session and extensions events and its own, never another extension's or the channels'", () => {
    expect(mayFollowHostEvent('polls', 'session:open')).to.equal(true);
    expect(mayFollowHostEvent('polls', 'extensions:changed')).to.equal(true);
    expect(mayFollowHostEvent('polls', 'polls:tick')).to.equal(true);
    for (const name of ['chat:message', 'calls:ring', '~pc:m', 'bus:nack', 'session', '', 'pollsx:tick', 42]) expect(mayFollowHostEvent('polls', name), String(name)).to.equal(false);
  });
});
