// The fast tier (`npm run test:fast`, under a minute): unit-level suites only, listed by name so a
// new slow suite does not creep in. Left out: test/ (browser, packaging, multi-process e2e, NAT lab),
// suites that need a system part, run several processes or hosts, push real sessions through lossy
// paths, or derive many argon2 keys. `npm test` runs everything; add a suite here only if it is quick.
const fs = require('node:fs');
const path = require('node:path');

/** `dir/<name>.test.ts` for each name; a renamed or deleted suite fails loudly instead of dropping out. */
const suites = (dir, names) =>
  names.map((name) => {
    const file = `${dir}/${name}.test.ts`;
    if (!fs.existsSync(path.join(__dirname, file))) throw new Error(`.mocharc.fast.cjs lists ${file}, which does not exist`);
    return file;
  });

module.exports = {
  ...require('./.mocharc.cjs'),
  spec: [
    ...suites('sdk/test', ['disposable-event', 'errors', 'define-kind', 'http-range', 'shown-label']),
    ...suites('host/test/core', ['byte-slab', 'page-channel-endpoint']),
    'host/test/storage/*.test.ts',
    'host/test/gateway/*.test.ts',
    'host/test/extensions/*.test.ts',
    ...suites('host/test/identity', ['bip39-vectors', 'keys-and-tokens', 'persona-registry', 'providers', 'friends-at-rest', 'ui-profiles']),
    ...suites('host/test/net', ['aead', 'noise-kk', 'peer-packet', 'stun-message', 'udp-port', 'session-table', 'connect-ladder', 'clock-and-provider', 'timed-listener-table']),
    ...suites('host/test/bus', [
      'bulk-window', 'outbound-store', 'refusal-memory', 'wire-golden', 'wire-hostile',
      'sessions-connect', 'bus-delivery', 'bus-session-lifecycle', 'bus-activation-grace',
    ]),
    ...suites('host/test/presence', ['public-endpoints', 'presence']),
    ...suites('host/test/diagnostics', ['session-stats-reader']),
    ...suites('host/test/blobs', ['blob-store']),
    ...suites('rendezvous/test', ['envelope', 'sealed-box', 'token-bucket-store', 'client', 'server', 'abuse']),
    ...suites('extensions/chat/test', ['chat-codec']),
    ...suites('extensions/files/test', ['files-ui-logic', 'files-blob-budget', 'files-offer-limits']),
    ...suites('extensions/pairing/test', ['cpace-vectors', 'invite-token', 'pairing-code']),
    'tools/test/**/*.test.ts',
    'test/support/**/*.test.ts',
  ],
};
