/** How the calls UI words things: durations, end reasons, history lines, quality, device errors. */
import { expect } from 'chai';
import { endReasonText, formatDuration, historyLine, qualityOf } from '../ui/call-format.js';
import { deviceErrorMessage } from '../ui/device-errors.js';

describe('calls UI wording', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).to.equal('0:00');
    expect(formatDuration(192_400)).to.equal('3:12');
    expect(formatDuration(3_723_000)).to.equal('1:02:03');
    expect(formatDuration(-5)).to.equal('0:00');
  });

  it('names why a call ended from each side', () => {
    expect(endReasonText('rejected', 'outgoing', 'Bob')).to.equal('Bob declined');
    expect(endReasonText('rejected', 'incoming', 'Bob')).to.equal('declined');
    expect(endReasonText('missed', 'outgoing', 'Bob')).to.equal('no answer');
    expect(endReasonText('busy', 'outgoing', 'Bob')).to.equal('Bob is in another call');
    expect(endReasonText('session-lost', 'incoming', 'Bob')).to.equal('the connection was lost');
  });

  it('writes history lines: a call with its duration, missed, declined', () => {
    const at = Date.UTC(2026, 0, 1, 14, 2);
    expect(historyLine({ direction: 'outgoing', reason: 'hangup', duration_ms: 192_000, ended_at: at })).to.include({ label: 'Call · 3:12', missed: false });
    const missed = historyLine({ direction: 'incoming', reason: 'missed', duration_ms: 0, ended_at: at });
    expect(missed.label).to.match(/^Missed call · /);
    expect(missed.missed).to.equal(true);
    // Missed calls in a row share one record (the host collapses them) and say how many.
    expect(historyLine({ direction: 'incoming', reason: 'missed', duration_ms: 0, ended_at: at, count: 4 })).to.include({ missed: true }).and.have.property('label').that.matches(/^4 missed calls · /);
    expect(historyLine({ direction: 'incoming', reason: 'missed', duration_ms: 0, ended_at: at, count: 1 }).label).to.match(/^Missed call · /);
    expect(historyLine({ direction: 'outgoing', reason: 'missed', duration_ms: 0, ended_at: at }).label).to.match(/^No answer · /);
    expect(historyLine({ direction: 'outgoing', reason: 'rejected', duration_ms: 0, ended_at: at }).label).to.match(/^Declined call · /);
  });

  it('grades quality from RTT and loss', () => {
    expect(qualityOf(40, 0)).to.equal('good');
    expect(qualityOf(null, 0.01)).to.equal('good');
    expect(qualityOf(250, 0)).to.equal('fair');
    expect(qualityOf(40, 0.05)).to.equal('fair');
    expect(qualityOf(40, 0.1)).to.equal('poor');
    expect(qualityOf(500, 0)).to.equal('poor');
  });

  it('tells a refused, a missing and a busy device apart, in the user\'s words', () => {
    expect(deviceErrorMessage('microphone', { name: 'NotAllowedError' })).to.match(/^Kith cannot use your microphone: allow it in the browser's site settings\./);
    expect(deviceErrorMessage('camera', { name: 'NotFoundError' })).to.equal('No camera found. The call goes on with audio only.');
    expect(deviceErrorMessage('camera', { name: 'NotReadableError' })).to.match(/in use by another app/);
    expect(deviceErrorMessage('microphone', null)).to.match(/unknown error/);
  });
});
