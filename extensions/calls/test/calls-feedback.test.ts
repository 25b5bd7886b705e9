/**
 * Feedback between two real hosts: a page's type-3 message on the `media` channel crosses the
 * session as `calls.feedback` and reaches the friend's page with the same loss, delay, trend and
 * PLI flag; malformed feedback and feedback outside an active call go nowhere. A friend's
 * keyframe requests reach the page at most once per PLI_MIN_INTERVAL_MS (security finding F5: each
 * makes the page encode a keyframe), while its loss reports all pass.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { PLI_MIN_INTERVAL_MS } from '../src/call-service.js';

describe('calls feedback between two hosts', function () {
  this.timeout(120_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const feedback = (pli: boolean, loss: number, delay: number, trend: number) => {
    const out = new Uint8Array(7);
    const view = new DataView(out.buffer);
    out[0] = 3;
    out[1] = pli ? 1 : 0;
    view.setUint16(2, loss);
    view.setUint16(4, delay);
    view.setInt8(6, trend);
    return out;
  };

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => net?.close());

  it('relays loss, delay, trend and a keyframe request to the friend\'s page during a call only', async () => {
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
    const atAlice: Uint8Array[] = [];
    aliceMedia.onDidReceive((m) => { if (m instanceof Uint8Array && m[0] === 3) atAlice.push(m); });

    bobMedia.send(feedback(true, 10, 40, 0)); // no call yet: dropped
    const { stream_id: sid } = await alice.request<{ stream_id: string }>('POST', `/sessions/${key(bob)}/calls/start`, { with_video: false });
    await bob.events.waitFor<{ stream_id: string }>('calls:offered', (e) => e.stream_id === sid, 20_000);
    await bob.request('POST', `/sessions/${key(alice)}/calls/accept`, { stream_id: sid });
    await alice.events.waitFor<{ stream_id: string }>('calls:accepted', (e) => e.stream_id === sid, 20_000);

    bobMedia.send(new Uint8Array([3, 0, 1, 2])); // too short
    bobMedia.send(feedback(false, 5000, 40, 0)); // loss over 1000‰
    bobMedia.send(feedback(true, 125, 60, 1));
    await eventually('feedback at Alice', async () => atAlice.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(atAlice).to.have.length(1);
    const view = new DataView(atAlice[0]!.buffer, atAlice[0]!.byteOffset);
    expect(atAlice[0]![1]).to.equal(1); // pli
    expect([view.getUint16(6), view.getUint16(8), view.getInt8(10)]).to.deep.equal([125, 60, 1]);

    await alice.request('POST', `/sessions/${key(bob)}/calls/hangup`, {});
    await bob.events.waitFor<{ stream_id: string }>('calls:ended', (e) => e.stream_id === sid, 20_000);
  });

  it("passes the friend's keyframe requests to the page at most once per PLI_MIN_INTERVAL_MS", async () => {
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
    const plis: number[] = [];
    let reports = 0;
    aliceMedia.onDidReceive((m) => {
      if (!(m instanceof Uint8Array) || m[0] !== 3) return;
      if (m[1] === 1) plis.push(Date.now());
      else reports++;
    });
    const { stream_id: sid } = await alice.request<{ stream_id: string }>('POST', `/sessions/${key(bob)}/calls/start`, { with_video: false });
    await bob.events.waitFor<{ stream_id: string }>('calls:offered', (e) => e.stream_id === sid, 20_000);
    await bob.request('POST', `/sessions/${key(alice)}/calls/accept`, { stream_id: sid });
    await alice.events.waitFor<{ stream_id: string }>('calls:accepted', (e) => e.stream_id === sid, 20_000);

    // A flood: 20 keyframe requests back to back (all within one interval, however slow the
    // machine: spaced by timers, 20 of them stretched past 500 ms under CI's load), then an
    // ordinary report.
    for (let i = 0; i < 20; i++) bobMedia.send(feedback(true, 0, 0, 0));
    bobMedia.send(feedback(false, 10, 40, 0));
    await eventually('the report at Alice', async () => reports === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(plis).to.have.length(1);
    const status = await alice.request<{ counters: Record<string, number> }>('GET', '/calls/status');
    expect(status.counters.plisDropped).to.be.at.least(10);

    // Once the interval has passed, the next request goes through again.
    await new Promise((resolve) => setTimeout(resolve, PLI_MIN_INTERVAL_MS));
    bobMedia.send(feedback(true, 0, 0, 0));
    await eventually('a second keyframe request at Alice', async () => plis.length === 2);
    expect(plis[1]! - plis[0]!).to.be.at.least(PLI_MIN_INTERVAL_MS);

    await alice.request('POST', `/sessions/${key(bob)}/calls/hangup`, {});
    await bob.events.waitFor<{ stream_id: string }>('calls:ended', (e) => e.stream_id === sid, 20_000);
  });
});
