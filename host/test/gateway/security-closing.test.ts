import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createSecurity } from '../../src/gateway/security.js';

const SECRET = 'a-launch-secret-of-enough-length';
const request = (host: string): IncomingMessage => ({ headers: { host, 'x-kith-secret': SECRET } }) as unknown as IncomingMessage;
const allowed = (security: ReturnType<typeof createSecurity>, host: string) =>
  new Promise<boolean>((resolve) => security.allowRequest(request(host), (_error, ok) => resolve(ok)));

/**
 * While the server closes, `address()` is null, yet kept-alive connections still carry requests. A
 * page's reconnect over one must not be answered 403 (the page would take it for a stale secret and
 * reload into a dead host): the last address stays the host's own name.
 */
describe('gateway security while the server closes', () => {
  it('refuses before listening, and keeps the known Host names once address() turns null', async () => {
    let address: AddressInfo | null = null;
    const security = createSecurity({ secret: SECRET, address: () => address });
    expect(await allowed(security, '127.0.0.1:4000')).to.equal(false);

    address = { address: '127.0.0.1', family: 'IPv4', port: 4000 };
    expect(await allowed(security, '127.0.0.1:4000')).to.equal(true);
    expect(security.isOwnPage(request('localhost:4000'))).to.equal(true);

    address = null; // server.close() has stopped listening
    expect(await allowed(security, '127.0.0.1:4000')).to.equal(true);
    expect(security.isOwnPage(request('localhost:4000'))).to.equal(true);
    expect(await allowed(security, '127.0.0.1:4001')).to.equal(false);
    expect(security.isOwnPage(request('evil.example:4000'))).to.equal(false);
  });
});
