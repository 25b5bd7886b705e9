import { ChangeDetectionStrategy, Component, inject, signal, type OnDestroy, type OnInit } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { normaliseTrace, type TraceRow } from './trace-entry';

interface JoinedRoom {
  readonly url: string;
  readonly room: string;
  readonly mode?: string;
}

/** Diagnostics: connect traces, rendezvous activity (newest first) and joined rooms, refreshed every 3 s. */
@Component({
  selector: 'kith-tester-page',
  imports: [MatCardModule, MatButtonModule, DatePipe],
  templateUrl: './tester-page.html',
  styleUrl: './tester-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TesterPage implements OnInit, OnDestroy {
  readonly #api = inject(ApiClient);
  protected readonly error = signal<string | null>(null);
  protected readonly logs = [
    { key: 'traces', title: 'Connect traces', path: '/diagnostics/traces', rows: signal<TraceRow[]>([]) },
    { key: 'rendezvous', title: 'Rendezvous activity', path: '/diagnostics/rendezvous', rows: signal<TraceRow[]>([]) },
  ];
  protected readonly rooms = signal<JoinedRoom[]>([]);
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
      await Promise.all([
        ...this.logs.map(async (log) => {
          const raw = await this.#api.get<unknown>(`${log.path}?limit=200`);
          const list = Array.isArray(raw) ? raw : ((raw as { entries?: unknown[] })?.entries ?? []);
          log.rows.set((list as Record<string, unknown>[]).map(normaliseTrace));
        }),
        this.#api
          .get<{ joined?: JoinedRoom[] }>('/diagnostics/rooms')
          .then((r) => this.rooms.set(r?.joined ?? []))
          .catch(() => this.rooms.set([])),
      ]);
      this.error.set(null);
    } catch (error) {
      this.error.set(describeError(error));
    }
  }
}
