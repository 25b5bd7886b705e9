import type { UiHost } from '@kith/sdk';
import type { NetcheckReport } from '../src/netcheck/check-item';
import type { AttemptView } from '../src/history/attempt-view';
import type { RendezvousSummaryLine } from '../src/history/rendezvous-summary';
import type { SampleSeries } from '../src/sessions/session-samples';
import type { SessionsUpdate } from '../src/sessions/session-monitor';

export type { NetcheckReport, AttemptView, SampleSeries, SessionsUpdate };

/** A joined rendezvous room (`GET /diagnostics/rooms`): its id is a hash of the word the user typed. */
export interface JoinedRoom {
  readonly url: string;
  readonly room: string;
  readonly word?: string | null;
  readonly mode?: string;
}

/** The diagnostics extension's HTTP API. */
export class DiagnosticsApi {
  constructor(private readonly host: UiHost) {}

  netcheck(rendezvousUrl: string): Promise<NetcheckReport> {
    const query = rendezvousUrl ? `?rendezvous=${encodeURIComponent(rendezvousUrl)}` : '';
    return this.host.request('GET', `/diagnostics/netcheck${query}`);
  }

  sessions(): Promise<SessionsUpdate & { series: Record<string, SampleSeries> }> {
    return this.host.request('GET', '/diagnostics/sessions');
  }

  attempts(): Promise<{ attempts: AttemptView[] }> {
    return this.host.request('GET', '/diagnostics/attempts?limit=50');
  }

  /** The rendezvous activity log, folded to one line per stage and outcome. */
  async rendezvousSummary(): Promise<RendezvousSummaryLine[]> {
    return (await this.host.request<{ lines: RendezvousSummaryLine[] }>('GET', '/diagnostics/rendezvous/summary')).lines;
  }

  /** The joined rooms and their words: the one typed to join, else one remembered on this page. */
  async rooms(): Promise<{ rooms: JoinedRoom[]; words: Record<string, string> }> {
    const answer = await this.host.request<{ joined?: JoinedRoom[] }>('GET', '/diagnostics/rooms');
    const rooms = answer.joined ?? [];
    const unnamed = rooms.filter((r) => !r.word).map((r) => r.room);
    const { words } = unnamed.length
      ? await this.host.request<{ words: Record<string, string> }>('POST', '/diagnostics/rooms/names', { rooms: unnamed })
      : { words: {} as Record<string, string> };
    for (const r of rooms) if (r.word) words[r.room] = r.word;
    return { rooms, words };
  }

  rememberWord(word: string): Promise<{ room: string }> {
    return this.host.request('PUT', '/diagnostics/rooms/words', { word });
  }

  /** The redacted report, as the file the user saves. */
  async report(format: 'json' | 'text'): Promise<string> {
    const response = await this.host.fetch(`/diagnostics/report${format === 'text' ? '?format=text' : ''}`);
    if (!response.ok) throw new Error(`the report failed (HTTP ${response.status})`);
    const text = await response.text();
    return format === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text;
  }
}
