/**
 * `@kith/sdk/testing`: test an extension against the real Kith program, one host or several:
 * each host is a child process with its own temp data dir, real HTTP, SQLite and UDP, driven only
 * through its HTTP API and page socket with the launch secret, the way its own page drives it.
 * Only tests import this; the extension itself never does.
 *
 * The program comes from `KITH_HOST_COMMAND` (the `kith` executable, or
 * `node --import tsx <checkout>/host/src/main.ts` with `KITH_HOST_CWD=<checkout>`), or from a
 * Kith checkout that contains the current folder.
 */
export { startTestHost, TestRequestError, type ApiAnswer, type TestHost, type TestHostOptions, type TestPersona } from './test-host.js';
export {
  befriend,
  connect,
  startTestNetwork,
  startTestRendezvous,
  type TestNetwork,
  type TestNetworkOptions,
  type TestPeer,
  type TestRendezvous,
} from './test-network.js';
export { type Subscription, type UiEvent, type UiEventStream } from './ui-events.js';
export { type TestPage } from './test-page.js';
export { installExtension } from './install.js';
export { eventually } from './eventually.js';
export { resolveProgram, withBuiltinEntries, type KithProgram, type ProgramOptions } from './program.js';
export { tamperedExtension, type OutgoingEvent, type SendTamper } from './send-tamper.js';
