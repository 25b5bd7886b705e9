// The full tier (`npm test`): every suite, the browser, packaging, multi-process and NAT lab ones too.
module.exports = {
  ...require('./.mocharc.cjs'),
  spec: [
    'sdk/test/**/*.test.ts',
    'sdk/examples/*/test/**/*.test.ts',
    'host/test/**/*.test.ts',
    'rendezvous/test/**/*.test.ts',
    'extensions/*/test/**/*.test.ts',
    'tools/test/**/*.test.ts',
    'test/**/*.test.ts',
  ],
};
