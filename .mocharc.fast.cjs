// The fast tier (`npm run test:fast`, under a minute): unit-level suites only, listed by name so a
// new slow suite does not creep in. Left out: test/ (browser, packaging, multi-process e2e, NAT lab),
// suites that need a system part, run several processes or hosts, push real sessions through lossy
// paths, or derive many argon2 keys. `npm test` runs everything; add a suite here only if it is quick.
module.exports = {
  ...require('./.mocharc.cjs'),
  spec: [
    'sdk/test/{disposable-event,errors}.test.ts',
    'host/test/core/byte-slab.test.ts',
    'host/test/storage/*.test.ts',
    'host/test/gateway/*.test.ts',
    'host/test/extensions/*.test.ts',
    'host/test/identity/{bip39-vectors,keys-and-tokens,persona-registry,providers,friends-at-rest}.test.ts',
    'host/test/net/{aead,noise-kk,peer-packet,stun-message,udp-port,session-table,connect-ladder,clock-and-provider}.test.ts',
    'host/test/bus/{bulk-window,outbound-store,refusal-memory,wire-golden,wire-hostile,sessions-connect,bus-delivery,bus-session-lifecycle,bus-activation-grace}.test.ts',
    'host/test/presence/{public-endpoints,presence}.test.ts',
    'rendezvous/test/{envelope,sealed-box,token-bucket-store,client,server,abuse}.test.ts',
    'extensions/chat/test/chat-codec.test.ts',
    'extensions/pairing/test/{cpace-vectors,invite-token,pairing-code}.test.ts',
    'tools/test/**/*.test.ts',
    'test/support/**/*.test.ts',
  ],
};
