import { ChangeDetectionStrategy, Component, computed, effect, input, signal, untracked, type OnDestroy } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { Disposable, UiHost } from '@kith/sdk';
import type { RendezvousSummaryLine } from '../src/history/rendezvous-summary';
import type { SessionView } from '../src/sessions/session-view';
import { DiagnosticsApi, type AttemptView, type JoinedRoom, type SampleSeries, type SessionsUpdate } from './diagnostics-api';
import { HistoryCard } from './history-card';
import { NetcheckCard } from './netcheck-card';
import { SessionsCard } from './sessions-card';

/** Chart points kept on the page per friend (ten minutes at one a second). */
const MAX_POINTS = 600;
const HISTORY_EVERY_MS = 3000;

/**
 * The Diagnostics page (slot `page`, route `diagnostics`): the network check, live sessions fed
 * by the `diagnostics:sessions` event once a second, history, and the report to share.
 */
@Component({
  selector: 'diagnostics-page',
  imports: [MatButtonModule, NetcheckCard, SessionsCard, HistoryCard],
  template: `
    <div class="page" data-testid="diagnostics-page">
      <div class="top">
        <h1>Diagnostics</h1>
        <span class="grow"></span>
        <div class="exports">
          <button mat-stroked-button type="button" (click)="exportReport('json')" data-testid="export-json">Export report (JSON)</button>
          <button mat-stroked-button type="button" (click)="exportReport('text')" data-testid="export-text">Export report (text)</button>
        </div>
      </div>
      <p class="muted">The report leaves out keys and names and masks addresses, so you can send it to someone helping you.</p>
      @if (error(); as e) { <p class="error" role="alert">{{ e }}</p> }
      <diagnostics-netcheck [api]="api()" />
      <diagnostics-sessions [sessions]="sessions()" [series]="series()" />
      <diagnostics-history [attempts]="attempts()" [rendezvous]="rendezvous()" [rooms]="rooms()" [words]="words()"
                           (remember)="rememberWord($event)" />
    </div>
  `,
  styles: `
    .page { display: flex; flex-direction: column; gap: 16px; padding: 16px; max-width: 1100px; min-width: 0; }
    .page > * { min-width: 0; }
    /* On a narrow window the buttons move under the title, each on one line (a pill of three lines read badly). */
    .top { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .exports { display: flex; flex-wrap: wrap; gap: 8px; }
    .exports button { white-space: nowrap; }
    .top h1 { margin: 0; }
    .grow { flex: 1; }
    .muted { color: var(--mat-sys-on-surface-variant); font-size: 13px; margin: 0; }
    .error { color: var(--mat-sys-error); }
    :host ::ng-deep .card { background: var(--mat-sys-surface-container-low); border-radius: 12px; padding: 12px 16px; }
    :host ::ng-deep .card h2 { font-size: 16px; margin: 4px 0 8px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DiagnosticsPage implements OnDestroy {
  readonly host = input.required<UiHost>();
  protected readonly api = computed(() => new DiagnosticsApi(this.host()));
  protected readonly sessions = signal<readonly SessionView[]>([]);
  protected readonly series = signal<Record<string, SampleSeries>>({});
  protected readonly attempts = signal<readonly AttemptView[]>([]);
  protected readonly rendezvous = signal<readonly RendezvousSummaryLine[]>([]);
  protected readonly rooms = signal<readonly JoinedRoom[]>([]);
  protected readonly words = signal<Record<string, string>>({});
  protected readonly error = signal<string | null>(null);
  #subscription: Disposable | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    effect(() => {
      const host = this.host();
      untracked(() => this.#open(host));
    });
  }

  ngOnDestroy(): void {
    this.#subscription?.dispose();
    clearInterval(this.#timer);
  }

  #open(host: UiHost): void {
    this.#subscription?.dispose();
    clearInterval(this.#timer);
    this.#subscription = host.on('sessions', (update) => this.#applyUpdate(update as SessionsUpdate));
    void this.api().sessions().then((first) => {
      this.sessions.set(first.sessions);
      this.series.set(first.series);
    }).catch((error: Error) => this.error.set(error.message));
    void this.#loadHistory();
    this.#timer = setInterval(() => void this.#loadHistory(), HISTORY_EVERY_MS);
  }

  /** A new point per friend, appended to the charts' columns (new arrays, so the charts redraw). */
  #applyUpdate(update: SessionsUpdate): void {
    this.sessions.set(update.sessions);
    const next: Record<string, SampleSeries> = {};
    const current = this.series();
    for (const s of update.sessions) {
      const old = current[s.peer] ?? { t: [], rttMs: [], inBps: [], outBps: [] };
      const point = update.samples[s.peer];
      if (!point || old.t.at(-1) === point.t) { next[s.peer] = old; continue; }
      const keep = <T>(list: readonly T[], value: T) => [...list, value].slice(-MAX_POINTS);
      next[s.peer] = {
        t: keep(old.t, point.t), rttMs: keep(old.rttMs, point.rttMs), inBps: keep(old.inBps, point.inBps), outBps: keep(old.outBps, point.outBps),
      };
    }
    this.series.set(next);
  }

  async #loadHistory(): Promise<void> {
    const api = this.api();
    const [attempts, log, rooms] = await Promise.allSettled([api.attempts(), api.rendezvousSummary(), api.rooms()]);
    if (attempts.status === 'fulfilled') this.attempts.set(attempts.value.attempts);
    if (log.status === 'fulfilled') this.rendezvous.set(log.value);
    if (rooms.status === 'fulfilled') {
      this.rooms.set(rooms.value.rooms);
      this.words.set(rooms.value.words);
    }
    const failed = [attempts, log, rooms].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    this.error.set(failed ? String((failed.reason as Error)?.message ?? failed.reason) : null);
  }

  protected async rememberWord(word: string): Promise<void> {
    try {
      await this.api().rememberWord(word);
      await this.#loadHistory();
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  /** One click: fetch the redacted report and save it as a file. */
  protected async exportReport(format: 'json' | 'text'): Promise<void> {
    try {
      const text = await this.api().report(format);
      const blob = new Blob([text], { type: format === 'json' ? 'application/json' : 'text/plain' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `kith-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.${format === 'json' ? 'json' : 'txt'}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }
}
