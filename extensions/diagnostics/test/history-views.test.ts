/** History views: a connect attempt grouped with its real failure reason, and the rendezvous log folded. */
import { expect } from 'chai';
import { attemptView } from '../src/history/attempt-view.js';
import { summariseRendezvous } from '../src/history/rendezvous-summary.js';

describe('diagnostics: history views', () => {
  it('groups an attempt: rungs in order, offsets, and the failed steps\' own words as the reason', () => {
    const view = attemptView({
      id: 'a1', peer: 'ab'.repeat(32), startedAt: 1000, lastAt: 4200, outcome: 'failed',
      steps: [
        { stage: 'clock-sync', outcome: 'ok', ms: 3, at: 1003 },
        { stage: 'ipv6-direct', outcome: 'skipped', detail: 'no IPv6 endpoint', at: 1004 },
        { stage: 'ipv4-punch', outcome: 'failed', ms: 3000, detail: 'no answer from 203.0.113.9:4000 (symmetric NAT?)', at: 4100 },
        { stage: 'lan-direct', outcome: 'failed', detail: 'no beacon', at: 4190 },
        { stage: 'connect', outcome: 'failed', at: 4200 },
      ],
    });
    expect(view.durationMs).to.equal(3200);
    expect(view.rungs.map((r) => `${r.rung}:${r.outcome}`)).to.deep.equal(['ipv6-direct:skipped', 'ipv4-punch:failed', 'lan-direct:failed']);
    expect(view.steps[2]!.offsetMs).to.equal(3100);
    expect(view.failure).to.equal('ipv4-punch: no answer from 203.0.113.9:4000 (symmetric NAT?); lan-direct: no beacon; connect failed');
  });

  it('folds the rendezvous log into one line per stage and outcome, failures first', () => {
    const entries = [
      ...Array.from({ length: 40 }, (_, i) => ({ stage: 'poll', outcome: 'ok', ms: 10 + (i % 5), at: 1000 + i })),
      { stage: 'publish', outcome: 'ok', ms: 30, at: 900 },
      { stage: 'poll', outcome: 'failed', detail: 'timeout', at: 2000 },
      { stage: 'poll', outcome: 'failed', detail: 'HTTP 503', at: 2100 },
    ];
    const lines = summariseRendezvous(entries);
    expect(lines[0]).to.include({ stage: 'poll', outcome: 'failed', count: 2, lastDetail: 'HTTP 503', lastAt: 2100 });
    expect(lines[1]).to.include({ stage: 'poll', outcome: 'ok', count: 40, medianMs: 12, firstAt: 1000, lastAt: 1039 });
    expect(lines).to.have.length(3);
  });
});
