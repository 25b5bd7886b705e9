/**
 * How many files arrive at once (src/admission.ts), against a real receiver: files past the bound
 * wait their turn and say so on both sides, start oldest first as others leave, and still arrive
 * intact; a flood of offers gets at most the bound plus the waiting room, the rest refused with
 * nothing stored.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually, type TestHost } from '@kith/sdk/testing';
import { MAX_ARRIVING_PER_FRIEND, MAX_WAITING_PER_FRIEND, WAITING_TEXT } from '../src/admission.js';
import { FLOOD_COPIES } from './support/crowding-sender.js';
import { expectedRoot, randomFile, sendFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

/** Alice runs the real files code; `stall-*` files never send a block, `flood.bin` is offered 300 times. */
const CROWDING_SENDER = fileURLToPath(new URL('./support/crowding-sender.ts', import.meta.url));

interface TransferJson {
  transfer_id: string;
  name: string;
  state: string;
  error: string | null;
  direction: string;
}

async function transfersOf(host: TestHost): Promise<TransferJson[]> {
  return (await host.request('GET', '/files/transfers')).transfers as TransferJson[];
}

describe('files: how many arrive at once (waiting their turn, a flood of offers)', function () {
  this.timeout(300_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair({ aliceFiles: CROWDING_SENDER });
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('files past the bound wait, say so on both sides, start oldest first as others leave, and arrive intact', async () => {
    const toBob = bob.persona!.key;
    const stalled: string[] = [];
    for (let i = 0; i <= MAX_ARRIVING_PER_FRIEND; i++) {
      stalled.push((await sendFile(alice, toBob, randomFile(100_000 + i), `stall-${i}.bin`)).transfer_id);
      // In order: the receiver starts waiting files oldest offer first.
      await eventually(`Bob has stall-${i}`, async () => (await transferOn(bob, stalled[i]!))?.state !== undefined, 30_000, 20);
    }
    const bytes = randomFile(3 * 1024 * 1024 + 17);
    const ok = (await sendFile(alice, toBob, bytes, 'ok.bin')).transfer_id as string;

    // The first MAX_ARRIVING_PER_FRIEND arrive; the next one and ok.bin wait, and the sender hears it.
    for (const id of stalled.slice(0, MAX_ARRIVING_PER_FRIEND)) expect((await waitState(bob, id, 'active')).error).to.equal(null);
    for (const id of [stalled[MAX_ARRIVING_PER_FRIEND]!, ok]) {
      expect((await waitState(bob, id, 'held')).error).to.equal(WAITING_TEXT);
      expect((await waitState(alice, id, 'held')).error).to.match(/Waiting: the friend receives other files first/);
    }
    // Reading a waiting file says why it cannot, rather than hanging.
    expect((await transferOn(bob, ok)).available).to.equal(false);
    const early = await bob.call('GET', `/files/inbound/${ok}/stream`);
    expect(early.status).to.be.within(400, 599);

    // One leaves: the oldest waiting one starts, ok.bin still waits.
    await bob.request('POST', `/sessions/${alice.persona!.key}/files/${stalled[0]}/cancel`);
    expect((await waitState(bob, stalled[MAX_ARRIVING_PER_FRIEND]!, 'active')).available).to.equal(true);
    await waitState(alice, stalled[MAX_ARRIVING_PER_FRIEND]!, 'active');
    expect((await transferOn(bob, ok)).state).to.equal('held');

    // Another leaves (the sender cancels this one): ok.bin starts, and arrives whole.
    await alice.request('POST', `/sessions/${toBob}/files/${stalled[1]}/cancel`);
    await waitState(bob, stalled[1]!, 'cancelled');
    const done = await waitState(bob, ok, 'complete', 120_000);
    expect(done.root).to.equal(expectedRoot(bytes));
    await waitState(alice, ok, 'complete');

    for (const id of stalled.slice(2)) await bob.request('POST', `/sessions/${alice.persona!.key}/files/${id}/cancel`);
    for (const id of stalled) await waitState(alice, id, 'cancelled');
  });

  it('a waiting file the sender cancels is cancelled at the receiver before it ever starts', async () => {
    const toBob = bob.persona!.key;
    const stalled: string[] = [];
    for (let i = 0; i < MAX_ARRIVING_PER_FRIEND; i++) stalled.push((await sendFile(alice, toBob, randomFile(50_000), `stall-w${i}.bin`)).transfer_id);
    const waiting = (await sendFile(alice, toBob, randomFile(60_000), 'stall-waiting.bin')).transfer_id as string;
    await waitState(bob, waiting, 'held');
    await alice.request('POST', `/sessions/${toBob}/files/${waiting}/cancel`);
    expect((await waitState(bob, waiting, 'cancelled')).error).to.match(/sender cancelled/);
    for (const id of stalled) await bob.request('POST', `/sessions/${alice.persona!.key}/files/${id}/cancel`);
    // Nothing started it when the others left.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await transferOn(bob, waiting)).state).to.equal('cancelled');
  });

  it(`a flood of ${FLOOD_COPIES} offers: ${MAX_ARRIVING_PER_FRIEND} arrive, ${MAX_WAITING_PER_FRIEND} wait, the rest are refused and nothing of them is stored`, async () => {
    const before = (await transfersOf(bob)).length;
    await sendFile(alice, bob.persona!.key, randomFile(10_000), 'flood.bin');
    const settled = async () => {
      const flood = (await transfersOf(bob)).filter((t) => t.name.startsWith('flood-'));
      return flood.length >= MAX_ARRIVING_PER_FRIEND + MAX_WAITING_PER_FRIEND ? flood : undefined;
    };
    let flood: TransferJson[] | undefined;
    await eventually('Bob has taken in the flood', async () => (flood = await settled()) !== undefined, 120_000, 200);
    // Let the rest of the copies reach Bob and be refused.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    flood = (await transfersOf(bob)).filter((t) => t.name.startsWith('flood-'));
    const arriving = flood.filter((t) => t.state === 'active');
    const waiting = flood.filter((t) => t.state === 'held' && t.error === WAITING_TEXT);
    expect(arriving.length, 'arriving at once').to.equal(MAX_ARRIVING_PER_FRIEND);
    expect(waiting.length, 'waiting their turn').to.equal(MAX_WAITING_PER_FRIEND);
    expect(flood.length, 'records stored for the flood').to.equal(MAX_ARRIVING_PER_FRIEND + MAX_WAITING_PER_FRIEND);
    expect((await transfersOf(bob)).length - before).to.equal(MAX_ARRIVING_PER_FRIEND + MAX_WAITING_PER_FRIEND);
    // Bob is still answering, and chat still moves.
    const m = await alice.request('POST', `/sessions/${bob.persona!.key}/messages`, { body: 'still here' });
    await alice.events.waitFor<{ message?: { id: string; state: string } }>('chat:message-updated', (e) => e?.message?.id === m.id && e.message?.state === 'delivered', 30_000);
  });
});
