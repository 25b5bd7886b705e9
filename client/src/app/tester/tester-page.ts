import { ChangeDetectionStrategy, Component, inject, signal, type OnDestroy, type OnInit } from '@angular/core';
import { DatePipe, JsonPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';

type Entry = Record<string, unknown>;

/** Diagnostics: newest-first connect traces and rendezvous activity, refreshed every few seconds. */
@Component({
  selector: 'kith-tester-page',
  imports: [MatCardModule, MatButtonModule, DatePipe, JsonPipe],
  template: `
    <div class="page">
      <div class="head">
        <h1>Tester</h1>
        <button mat-stroked-button type="button" (click)="load()">Refresh</button>
      </div>
      @if (error(); as e) { <p class="error-text" role="alert">{{ e }}</p> }
      <div class="cols">
        @for (log of logs; track log.key) {
          <mat-card appearance="outlined" class="log">
            <h2>{{ log.title }}</h2>
            <ol class="entries" [attr.aria-label]="log.title" [attr.data-testid]="'log-' + log.key">
              @for (entry of log.entries(); track $index) {
                <li>
                  @if (time(entry); as t) { <span class="muted">{{ t | date: 'HH:mm:ss.SSS' }}</span> }
                  <code class="mono">{{ entry | json }}</code>
                </li>
              } @empty {
                <li class="muted">Nothing recorded yet.</li>
              }
            </ol>
          </mat-card>
        }
      </div>
    </div>
  `,
  styles: `
    .head { display: flex; align-items: center; justify-content: space-between; }
    h1 { font: var(--mat-sys-headline-small); margin: 8px 0; }
    h2 { font: var(--mat-sys-title-medium); margin: 0 0 8px; }
    .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
    .log { padding: 12px; min-width: 0; }
    .entries { list-style: none; margin: 0; padding: 0; max-height: 60vh; overflow: auto; font-size: 12px; }
    .entries li { padding: 4px 0; border-bottom: 1px solid var(--mat-sys-outline-variant); display: grid; gap: 2px; }
    code { white-space: pre-wrap; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TesterPage implements OnInit, OnDestroy {
  readonly #api = inject(ApiClient);
  protected readonly error = signal<string | null>(null);
  protected readonly logs = [
    { key: 'traces', title: 'Connect traces', path: '/diagnostics/traces', entries: signal<Entry[]>([]) },
    { key: 'rendezvous', title: 'Rendezvous activity', path: '/diagnostics/rendezvous', entries: signal<Entry[]>([]) },
  ];
  #timer: ReturnType<typeof setInterval> | undefined;

  ngOnInit(): void {
    void this.load();
    this.#timer = setInterval(() => void this.load(), 3000);
  }

  ngOnDestroy(): void {
    clearInterval(this.#timer);
  }

  protected async load(): Promise<void> {
    try {
      for (const log of this.logs) {
        const raw = await this.#api.get<unknown>(log.path);
        const list = Array.isArray(raw) ? raw : ((raw as { entries?: unknown[] })?.entries ?? []);
        log.entries.set(list as Entry[]);
      }
      this.error.set(null);
    } catch (error) {
      this.error.set(describeError(error));
    }
  }

  protected time(entry: Entry): number | null {
    const t = entry['at'] ?? entry['time'] ?? entry['ts'] ?? entry['atMs'] ?? entry['at_ms'];
    return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) || null : null;
  }
}
