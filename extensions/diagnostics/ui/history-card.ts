import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input, output, signal } from '@angular/core';
import type { RendezvousSummaryLine } from '../src/history/rendezvous-summary';
import type { AttemptView, JoinedRoom } from './diagnostics-api';

/** Connect attempts grouped (newest first), the rendezvous activity folded, and joined rooms by their word. */
@Component({
  selector: 'diagnostics-history',
  imports: [DatePipe],
  template: `
    <section class="card" data-testid="history">
      <h2>Connect attempts</h2>
      <ol class="attempts" data-testid="log-traces">
        @for (a of attempts(); track a.id) {
          <li [attr.data-outcome]="a.outcome">
            <details>
              <summary>
                <span class="when">{{ a.startedAt | date: 'HH:mm:ss' }}</span>
                <span class="badge">{{ a.outcome }}</span> in {{ a.durationMs }} ms
                @for (r of a.rungs; track $index) { <span class="rung" [attr.data-outcome]="r.outcome">{{ r.rung }}@if (r.ms !== null) { {{ r.ms }} ms }</span> }
                @if (a.failure) { <div class="failure">Why: {{ a.failure }}</div> }
              </summary>
              <ol class="steps">
                @for (s of a.steps; track $index) {
                  <li>+{{ s.offsetMs }} ms <span [attr.data-outcome]="s.outcome">{{ s.outcome }}</span> <strong>{{ s.stage }}</strong>
                    @if (s.ms !== null) { ({{ s.ms }} ms) } @if (s.detail) { <span class="muted">{{ s.detail }}</span> }</li>
                }
              </ol>
            </details>
          </li>
        } @empty { <li class="muted">No connect attempt yet.</li> }
      </ol>

      <h2>Rendezvous activity</h2>
      <ol class="summary" data-testid="log-rendezvous">
        @for (l of rendezvous(); track l.stage + l.outcome) {
          <li [attr.data-outcome]="l.outcome">
            <strong>{{ l.stage }}</strong> {{ l.outcome }} ×{{ l.count }}
            @if (l.medianMs !== null) { · median {{ l.medianMs }} ms }
            <span class="muted">@if (l.lastAt) { · last {{ l.lastAt | date: 'HH:mm:ss' }} } @if (l.outcome === 'failed' && l.lastDetail) { · {{ l.lastDetail }} }</span>
          </li>
        } @empty { <li class="muted">No rendezvous activity.</li> }
      </ol>

      <h2>Joined rooms</h2>
      <ul data-testid="joined-rooms">
        @for (room of rooms(); track room.url + room.room) {
          <li>
            @if (words()[room.room]; as word) { <strong>{{ word }}</strong> } @else { <span class="muted">room {{ room.room.slice(0, 8) }}…</span> }
            on <code>{{ room.url }}</code> @if (room.mode) { · {{ room.mode }} }
          </li>
        } @empty { <li class="muted">No room joined.</li> }
      </ul>
      <form (submit)="$event.preventDefault(); nameRoom(word.value); word.value = ''">
        <input #word maxlength="256" placeholder="Type a room's word to show it here" aria-label="Room word" />
        <button type="submit">Remember</button>
      </form>
      @if (note(); as n) { <p class="muted">{{ n }}</p> }
    </section>
  `,
  styles: `
    .attempts { list-style: none; padding: 0; }
    .attempts > li { border-bottom: 1px solid var(--mat-sys-outline-variant); padding: 4px 0; }
    .attempts > li[data-outcome='failed'] .badge { color: var(--mat-sys-error); }
    .badge { font-weight: 600; }
    .summary { list-style: none; padding: 0; }
    .rung { margin-left: 8px; font-size: 12px; }
    [data-outcome='failed'] { color: var(--mat-sys-error); }
    .failure { font-size: 13px; margin-left: 16px; }
    .muted { color: var(--mat-sys-on-surface-variant); font-size: 12px; }
    /* Rendezvous addresses and failure details break rather than widen a narrow page. */
    section { overflow-wrap: anywhere; }
    form { display: flex; flex-wrap: wrap; gap: 4px; }
    form input { flex: 1; min-width: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HistoryCard {
  readonly attempts = input.required<readonly AttemptView[]>();
  readonly rendezvous = input.required<readonly RendezvousSummaryLine[]>();
  readonly rooms = input.required<readonly JoinedRoom[]>();
  readonly words = input.required<Record<string, string>>();
  readonly remember = output<string>();
  protected readonly note = signal<string | null>(null);

  protected nameRoom(word: string): void {
    if (!word.trim()) return;
    this.remember.emit(word);
    this.note.set('Remembered (sealed, on this machine only).');
  }
}
