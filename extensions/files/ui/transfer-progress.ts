import { formatBytes, type TransferJson } from './files-api';

/** Rate and time left from successive samples of one transfer (a short moving window). */
export class ProgressMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  add(bytes: number, at = Date.now()): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > 5000) this.samples.shift();
  }

  /** Bytes per second over the window, or null with too little to go on. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0]!;
    const last = this.samples.at(-1)!;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0.2 ? Math.max(0, (last.bytes - first.bytes) / seconds) : null;
  }
}

/** The words a transfer row shows: state, percent, rate, time left; "resume 94%" for a stopped one. */
export function progressLabel(t: TransferJson, rate: number | null): string {
  const percent = t.size === 0 ? 100 : Math.floor((t.bytes_done / t.size) * 100);
  switch (t.state) {
    case 'complete': return `${{ in: 'Received', out: 'Delivered', self: 'Saved' }[t.direction]} · ${formatBytes(t.size)}`;
    case 'cancelled': return t.error ? withoutEchoedReason(t.error) : 'Cancelled';
    case 'failed': return t.error ?? 'Failed';
    case 'held': return `${t.error ?? 'Held'} (${percent}%)`;
    // Pause cannot stop the sealing (the page uploads into the vault): it holds the sending that follows.
    case 'uploading':
      if (t.paused) return `Sealing ${percent}% · paused: sending waits until you resume`;
      return percent > 0 ? `Sealing ${percent}%` : 'Preparing…';
    case 'offered':
      if (t.direction !== 'out') return 'Offered';
      return t.paused ? 'Sealed · paused: sending waits until you resume' : 'Waiting for the friend to come online';
    default: break;
  }
  // A sender that restarted knows what the friend has only once the friend says so (its resume): never show that as 0 %.
  const unknown = t.direction === 'out' && t.bytes_done === 0 && (t.payload_bytes ?? 0) > 0;
  // The receiver's row when the friend paused sending (files.pause): still "resume N%", with who holds it.
  if (t.paused && t.direction === 'in') return `Paused by the friend at ${percent}%; it goes on when they resume`;
  if (t.paused) return unknown ? 'Paused — resume' : `Paused at ${percent}% — resume`;
  if (unknown) return 'Resuming: waiting for the friend to say what they already have';
  if (rate === null || rate === 0) return percent > 0 ? `resume ${percent}% — waiting for the friend` : 'Starting…';
  const left = (t.size - t.bytes_done) / rate;
  return `${percent}% · ${formatBytes(rate)}/s · ${left < 60 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`} left`;
}

/** "The sender cancelled it (cancelled)" → "The sender cancelled it": a reason the sentence already says is not said twice. */
function withoutEchoedReason(text: string): string {
  const echo = / \(([\w-]+)\)$/.exec(text);
  return echo && text.slice(0, echo.index).toLowerCase().includes(echo[1]!.toLowerCase()) ? text.slice(0, echo.index) : text;
}
