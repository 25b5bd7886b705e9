import { expect } from 'chai';
import { matchRoute } from '../../client/src/app/extensions/match-route.js';
import { normaliseExtension } from '../../client/src/app/extensions/extension-entry.js';
import { formatEndpoint, friendsFirst, normalisePeer, normaliseRequest } from '../../client/src/app/chats/room-peer.js';
import { injectSecret } from '../../host/src/gateway/static-client.js';

/** The client's pure logic (no browser needed): route matching and reading the host's answers. */
describe('client logic', () => {
  const nav = (route: string) => ({ id: 'x', label: 'X', icon: 'x', route, view: 'x.page' });

  it('matches contributed routes with parameters, and nothing else', () => {
    expect(matchRoute(nav('media'), 'media')).to.deep.equal({});
    expect(matchRoute(nav('/call/:peer'), 'call/ab%20cd')).to.deep.equal({ peer: 'ab cd' });
    expect(matchRoute(nav('call/:peer'), 'call')).to.equal(undefined);
    expect(matchRoute(nav('call/:peer'), 'call/a/b')).to.equal(undefined);
    expect(matchRoute(nav('media'), 'mediax')).to.equal(undefined);
    expect(matchRoute(nav('call/:peer'), 'call/%E0%A4%A')).to.equal(undefined);
  });

  it('reads /api/extensions rows: running only when enabled, error objects as text, UI module URLs only same-origin', () => {
    const row = normaliseExtension({
      id: 'hello', name: 'Hello', version: '1.0.0', builtin: false, enabled: true, running: false, faulted: true,
      error: { code: 'KITH_ERR_EXTENSION_FAULTED', message: 'boom' }, contributes: { nav: [nav('hello')] },
      uiModuleUrl: '/ext/hello/dist/ui.js', settings: { loud: true },
    });
    expect(row).to.include({ id: 'hello', running: false, faulted: true, error: 'boom', uiModuleUrl: '/ext/hello/dist/ui.js' });
    expect(row.settings).to.deep.equal({ loud: true });
    expect(normaliseExtension({ id: 'evil', uiModuleUrl: 'https://evil.example/x.js' }).uiModuleUrl).to.equal(null);
    expect(normaliseExtension({ id: 'old', enabled: true }).running).to.equal(true);
    const restarted = normaliseExtension({ id: 'spinner', lastCrash: { code: 'KITH_ERR_EXTENSION_FAULTED', message: 'busy loop', at: 1_700_000_000_000, crashes: 2 } });
    expect(restarted.lastCrash).to.deep.equal({ message: 'busy loop', at: new Date(1_700_000_000_000), crashes: 2 });
    expect(normaliseExtension({ id: 'x', lastCrash: { message: 'no time' } }).lastCrash).to.equal(null);
  });

  it('reads room peers and connect requests, friends first', () => {
    const stranger = normalisePeer({ peer_id: 'p1', master_pubkey: 'ab'.repeat(32), label: null, friend: false, mode: 'auto' });
    const friend = normalisePeer({ peer_id: 'p2', master_pubkey: 'cd'.repeat(32), label: 'Zed', friend: true, mode: 'bogus' });
    expect(stranger).to.include({ label: 'Unpaired abababab…', friend: false, mode: 'auto', verified: false });
    expect(friend).to.include({ label: 'Zed', friend: true, mode: null });
    expect([stranger, friend].sort(friendsFirst).map((p) => p.peerId)).to.deep.equal(['p2', 'p1']);
    const request = normaliseRequest({
      nonce: 'aa'.repeat(8), from_peer_id: 'p2', from_master_pubkey: 'cd'.repeat(32), friend: true, auto_accept: true,
      punch_at_ms: 123, from_ipv4: { address: '192.0.2.1', port: 4000 }, from_ipv6: { address: '2001:db8::1', port: 5 },
    });
    expect(request).to.include({ fromPeerId: 'p2', autoAccept: true, punchAtMs: 123, ipv4: '192.0.2.1:4000', ipv6: '[2001:db8::1]:5' });
    expect(formatEndpoint(null)).to.equal(null);
    expect(formatEndpoint('198.51.100.7:9')).to.equal('198.51.100.7:9');
  });

  it('injects only a safe secret into the page', () => {
    const html = '<html><head><meta name="kith-secret" content=""></head></html>';
    expect(injectSecret(html, 'abc_DEF-123')).to.contain('<meta name="kith-secret" content="abc_DEF-123">');
    expect(injectSecret(html, '"><script>x</script>')).to.contain('content="scriptxscript"');
    expect(injectSecret('<html><head></head></html>', 's3cret')).to.contain('<meta name="kith-secret" content="s3cret"></head>');
  });
});
