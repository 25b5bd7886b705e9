/** Where the call page's player puts each 20 ms chunk: at its slot's due time, joined back to back, restarted after a dry spell, trimmed when the queue runs late. */
import { expect } from 'chai';
import { JOIN_S, LEAD_STEP_S, PlayoutPlan, RENDER_MARGIN_S, schedule, SOUND_SLACK_S } from '../ui/pcm-player.js';

const NOW = 10.0;
const LEAD = 0.005;

describe('calls PCM player scheduling', () => {
  it('starts a first chunk at its due time plus the lead, not as soon as it arrives', () => {
    expect(schedule(0, NOW + 0.02, NOW, LEAD)).to.deep.equal({ start: NOW + 0.02 + LEAD, restarted: true });
  });

  it('joins a chunk to the queue when the queue ends about at its due time', () => {
    const due = NOW + 0.02;
    expect(schedule(due + LEAD + 0.002, due, NOW, LEAD)).to.deep.equal({ start: due + LEAD + 0.002, restarted: false });
    expect(schedule(due + LEAD - JOIN_S + 0.001, due, NOW, LEAD)).to.deep.equal({ start: due + LEAD - JOIN_S + 0.001, restarted: false });
  });

  it('leaves a gap rather than play a chunk early when the queue ends well before its due time', () => {
    const due = NOW + 0.04;
    expect(schedule(NOW + 0.01, due, NOW, LEAD)).to.deep.equal({ start: due + LEAD, restarted: false });
  });

  it('restarts after a dry spell, never before the render position', () => {
    // The chunk came after its due time (the page stalled): it starts as soon as it can.
    expect(schedule(NOW - 0.05, NOW - 0.03, NOW, LEAD)).to.deep.equal({ start: NOW + RENDER_MARGIN_S, restarted: true });
    // A queue ending inside the render margin counts as dry too.
    expect(schedule(NOW + RENDER_MARGIN_S / 2, NOW + 0.02, NOW, LEAD)).to.deep.equal({ start: NOW + 0.02 + LEAD, restarted: true });
  });

  it('drops sound only when the queue runs far too late', () => {
    const due = NOW + 0.02;
    expect(schedule(due + LEAD + SOUND_SLACK_S - 0.001, due, NOW, LEAD)).to.not.equal('drop');
    expect(schedule(due + LEAD + SOUND_SLACK_S + 0.001, due, NOW, LEAD)).to.equal('drop');
  });

  describe('over a stream of chunks', () => {
    const LOUD = 0.5;
    const QUIET = 0;

    it('queues no silence, and starts the sound after a pause at its own due time', () => {
      const plan = new PlayoutPlan();
      // Sound, then a pause whose chunks are not queued, then sound again.
      const first = plan.place(LOUD, 1.0, 0.98);
      expect(first).to.deep.equal({ start: 1.0, queue: true });
      plan.queued(1.02);
      expect(plan.place(QUIET, 1.02, 1.0)).to.include({ queue: false });
      expect(plan.place(QUIET, 1.04, 1.02)).to.include({ queue: false });
      // The queue ended at 1.02; the sound due at 1.06 starts then: not joined early, not a dry spell.
      expect(plan.place(LOUD, 1.06, 1.04)).to.deep.equal({ start: 1.06, queue: true });
      expect(plan.stats).to.include({ silent: 2, underruns: 0, gaps: 0, leadMs: 0 });
    });

    it('counts a chunk that came too late mid-sound as a dry spell and grows the lead', () => {
      const plan = new PlayoutPlan();
      plan.place(LOUD, 1.0, 0.98);
      plan.queued(1.02);
      // The page stalled: the next chunk arrives when the render position is past the queue's end.
      expect(plan.place(LOUD, 1.02, 1.03)).to.deep.equal({ start: 1.03 + RENDER_MARGIN_S, queue: true });
      expect(plan.stats.underruns).to.equal(1);
      expect(plan.stats.leadMs).to.be.closeTo(LEAD_STEP_S * 1000, 1e-9);
    });

    it('joins chunks back to back while they come ahead of their due times', () => {
      const plan = new PlayoutPlan();
      let end = 0;
      for (let i = 0; i < 50; i++) {
        const due = 1 + i * 0.02;
        const placed = plan.place(LOUD, due, due - 0.015);
        expect(placed).to.include({ queue: true });
        expect((placed as { start: number }).start).to.be.closeTo(due, 1e-9);
        end = due + 0.02;
        plan.queued(end);
      }
      expect(plan.stats).to.include({ underruns: 0, gaps: 0, droppedSound: 0 });
    });
  });
});
