/** The files page's pure logic: the words a transfer row shows for each state. */
import { expect } from 'chai';
import type { TransferJson } from '../ui/files-api';
import { progressLabel } from '../ui/transfer-progress';

function transfer(fields: Partial<TransferJson>): TransferJson {
  return {
    transfer_id: 'ab'.repeat(16), direction: 'out', peer: 'cd'.repeat(32), name: 'movie.webm', mime: 'video/webm', size: 1000,
    bytes_done: 0, state: 'active', paused: false, error: null, root: '', created_at: 0, completed_at: null, payload_bytes: 0, available: true,
    ...fields,
  } as TransferJson;
}

describe('files: the words a transfer row shows', () => {
  it('says how far sealing got while the page uploads, and why an upload failed', () => {
    expect(progressLabel(transfer({ state: 'uploading', bytes_done: 0 }), null)).to.equal('Preparing…');
    expect(progressLabel(transfer({ state: 'uploading', bytes_done: 430 }), null)).to.equal('Sealing 43%');
    const why = 'The upload stopped at 430 of 1000 bytes (nothing arrived for 60 min); attach the file again to send it';
    expect(progressLabel(transfer({ state: 'failed', error: why }), null)).to.equal(why);
  });

  it('says "resume N%" for a stopped transfer and rate and time left for a moving one, never 0 % for a restarted sender', () => {
    expect(progressLabel(transfer({ bytes_done: 940 }), 0)).to.equal('resume 94% — waiting for the friend');
    expect(progressLabel(transfer({ bytes_done: 500 }), 100)).to.equal('50% · 100 B/s · 5 s left');
    expect(progressLabel(transfer({ bytes_done: 0, payload_bytes: 10 }), null)).to.equal('Resuming: waiting for the friend to say what they already have');
    expect(progressLabel(transfer({ bytes_done: 300, paused: true }), null)).to.equal('Paused at 30% — resume');
    // The receiver's row: the friend paused it (files.pause), nothing to resume here.
    expect(progressLabel(transfer({ direction: 'in', bytes_done: 300, paused: true }), null)).to.equal('Paused by the friend at 30%; it goes on when they resume');
    // Paused while sealing: the sealing goes on, the sending waits.
    expect(progressLabel(transfer({ state: 'uploading', bytes_done: 530, paused: true }), null)).to.equal('Sealing 53% · paused: sending waits until you resume');
    expect(progressLabel(transfer({ state: 'offered', paused: true }), null)).to.equal('Sealed · paused: sending waits until you resume');
  });

  it('says a cancel\'s reason once', () => {
    expect(progressLabel(transfer({ state: 'cancelled', direction: 'in', error: 'The sender cancelled it (cancelled)' }), null)).to.equal('The sender cancelled it');
    expect(progressLabel(transfer({ state: 'cancelled', error: 'The friend cancelled it (too-old)' }), null)).to.equal('The friend cancelled it (too-old)');
  });
});
