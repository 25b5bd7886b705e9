import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

/** This extension's folder (the test runs from dist/test/). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let net: TestNetwork;
let alice: TestHost;
let bob: TestHost;

before(
  async () => {
    // Two real Kith hosts and a rendezvous, each host with this extension installed.
    net = await startTestNetwork({ hosts: 2, extensions: [root] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  },
  { timeout: 180_000 },
);

after(async () => {
  await net?.close();
});

test('a ping from Alice reaches Bob\'s page', { timeout: 60_000 }, async () => {
  const sent = await alice.request<{ eventId: string }>('POST', `/__ID__/ping/${bob.persona!.key}`, { text: 'hello Bob' });
  assert.equal(typeof sent.eventId, 'string');
  const ping = await bob.events.waitFor<{ from: string; text: string }>('__ID__:ping', (p) => p.text === 'hello Bob');
  assert.equal(ping.from, alice.persona!.key);
});

test('the route refuses a malformed peer key', async () => {
  const answer = await alice.call('POST', '/__ID__/ping/not-a-key', {});
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.code, 'KITH_ERR_BAD_REQUEST');
});
