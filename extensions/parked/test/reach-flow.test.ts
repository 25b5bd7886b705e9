/** The page's "Reach now" flow: countdown and retry when the window opens, fallback, success. */
import { expect } from 'chai';
import { countdown, reachNow, type ReachApi, type ReachState } from '../ui/reach-flow.js';

function clock() {
  let now = 1_000_000;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms: number) => { slept.push(ms); now += ms; }, slept };
}
const refusal = (status: number, message: string, opensIn?: number) =>
  Object.assign(new Error(message), { status, details: opensIn === undefined ? {} : { next_window: { opens_in_ms: opensIn } } });

describe('parked UI: Reach now', () => {
  it('counts down to the window, retries when it opens, and connects', async () => {
    const answers = [refusal(409, 'opens in 42 s', 42_000), { session: { path: 'parked-ipv6' } }];
    const asked: boolean[] = [];
    const api: ReachApi = { reach: async (fallback) => { asked.push(fallback); const a = answers.shift()!; if (a instanceof Error) throw a; return a; } };
    const c = clock();
    const states: ReachState[] = [];
    const end = await reachNow(api, c, (s) => states.push(s));
    expect(end).to.deep.equal({ step: 'connected', path: 'parked-ipv6' });
    expect(states.map((s) => s.step)).to.deep.equal(['reaching', 'waiting', 'reaching', 'connected']);
    expect((states[1] as { opensAt: number }).opensAt).to.equal(1_042_000);
    expect(c.slept).to.deep.equal([42_100]);
    expect(asked).to.deep.equal([false, false]);
  });

  it('falls back to a normal rendezvous request when the window gives no path', async () => {
    const answers = [refusal(504, 'No direct path in the friend\'s window'), { session: { path: 'ipv4-punch' } }];
    const asked: boolean[] = [];
    const api: ReachApi = { reach: async (fallback) => { asked.push(fallback); const a = answers.shift()!; if (a instanceof Error) throw a; return a; } };
    const states: ReachState[] = [];
    const end = await reachNow(api, clock(), (s) => states.push(s));
    expect(end).to.deep.equal({ step: 'connected', path: 'ipv4-punch' });
    expect(asked).to.deep.equal([false, true]);
    expect(states.map((s) => s.step)).to.include('falling-back');
  });

  it('says why when both fail, and formats the countdown', async () => {
    const api: ReachApi = { reach: async (fallback) => { throw fallback ? new Error('The peer did not accept in time') : refusal(504, 'No direct path'); } };
    const end = await reachNow(api, clock(), () => undefined);
    expect(end.step).to.equal('failed');
    expect((end as { reason: string }).reason).to.equal('No direct path; through the rendezvous: The peer did not accept in time');
    expect(countdown(65_000)).to.equal('1:05');
    expect(countdown(-5)).to.equal('0:00');
  });
});
