/** Where the call page's player puts each 20 ms chunk: back to back, restarted a lead ahead after a dry spell, trimmed when too much is queued. */
import { expect } from 'chai';
import { schedule, SILENCE_SLACK_S, SOUND_SLACK_S } from '../ui/pcm-player.js';

const LEAD = 0.02;

describe('calls PCM player scheduling', () => {
  it('plays chunks back to back while the queue is within the lead', () => {
    expect(schedule(10.02, 10.0, false, LEAD)).to.deep.equal({ start: 10.02, restarted: false });
    expect(schedule(10.02, 10.0, true, LEAD)).to.deep.equal({ start: 10.02, restarted: false });
  });

  it('restarts the lead ahead of the clock after the context ran dry', () => {
    expect(schedule(9.5, 10.0, false, LEAD)).to.deep.equal({ start: 10.0 + LEAD, restarted: true });
  });

  it('drops silence once the queue exceeds the lead by a little, so speech pauses absorb a backlog', () => {
    expect(schedule(10 + LEAD + SILENCE_SLACK_S + 0.001, 10.0, true, LEAD)).to.equal('drop');
    expect(schedule(10 + LEAD + SILENCE_SLACK_S + 0.001, 10.0, false, LEAD)).to.not.equal('drop');
  });

  it('drops sound only when far too much is queued', () => {
    expect(schedule(10 + LEAD + SOUND_SLACK_S - 0.001, 10.0, false, LEAD)).to.not.equal('drop');
    expect(schedule(10 + LEAD + SOUND_SLACK_S + 0.001, 10.0, false, LEAD)).to.equal('drop');
  });
});
