import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { SessionView } from '../src/sessions/session-view';
import type { SampleSeries } from './diagnostics-api';
import { SessionChart } from './session-chart';

/** Every live session: path, how it was found, RTT, loss, retransmits, traffic, cipher, quality and its chart. */
@Component({
  selector: 'diagnostics-sessions',
  imports: [SessionChart, DecimalPipe],
  template: `
    <section class="card" data-testid="sessions">
      <h2>Live sessions</h2>
      @for (s of sessions(); track s.peer) {
        <article class="session" [attr.data-peer]="s.peer">
          <header>
            <strong>{{ s.label ?? (s.peer.slice(0, 12) + '…') }}</strong>
            <!-- An image to a screen reader (aria-label is not allowed on a plain span); the reason is read beside it. -->
            <span class="bars" role="img" [attr.data-level]="s.quality.level" [title]="s.quality.reason" data-testid="quality"
                  [attr.aria-label]="'Connection quality: ' + s.quality.level">
              @for (bar of [1, 2, 3, 4]; track bar) { <i [class.on]="bar <= s.quality.bars"></i> }
            </span>
            <span class="muted">{{ s.quality.reason }}</span>
          </header>
          <dl>
            <dt>Path</dt><dd data-testid="path">{{ s.path }} · {{ s.remote }}</dd>
            <dt>Found by</dt><dd>{{ s.rung }}@if (s.handshakeMs !== null) { · handshake {{ s.handshakeMs }} ms }
              @for (st of s.stages; track $index) { <span class="stage" [attr.data-outcome]="st.outcome">{{ st.stage }}@if (st.ms !== null) { {{ st.ms }} ms }</span> }</dd>
            <dt>RTT</dt><dd data-testid="rtt">{{ s.rttMs === null ? '—' : (s.rttMs | number: '1.0-1') + ' ms' }} <span class="muted">({{ s.rttSource }})</span></dd>
            <dt>Loss</dt><dd>{{ s.lossInbound === null ? '—' : (s.lossInbound * 100 | number: '1.0-2') + ' %' }} in · {{ s.retransmits }} retransmits</dd>
            <dt>Traffic</dt><dd data-testid="traffic">in {{ s.bytesIn | number }} B ({{ s.inBps | number: '1.0-0' }} B/s) · out {{ s.bytesOut | number }} B ({{ s.outBps | number: '1.0-0' }} B/s)</dd>
            <dt>Cipher</dt><dd>{{ s.cipher }} · {{ s.rekeys }} rekeys</dd>
          </dl>
          @if (series()[s.peer]; as points) { <diagnostics-session-chart [series]="points" /> }
        </article>
      } @empty {
        <p class="muted">No live session. Open a conversation with a friend who is online.</p>
      }
    </section>
  `,
  styles: `
    .session { border-top: 1px solid var(--mat-sys-outline-variant); padding: 8px 0; min-width: 0; }
    header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
    /* minmax(0, …) and anywhere: a cipher name or an address breaks instead of widening a narrow page. */
    dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 8px 0; }
    dd { margin: 0; overflow-wrap: anywhere; }
    dt { color: var(--mat-sys-on-surface-variant); }
    .bars { display: inline-flex; gap: 2px; align-items: flex-end; height: 14px; }
    .bars i { display: block; width: 4px; background: var(--mat-sys-outline-variant); }
    .bars i:nth-child(1) { height: 4px; } .bars i:nth-child(2) { height: 7px; } .bars i:nth-child(3) { height: 10px; } .bars i:nth-child(4) { height: 14px; }
    .bars i.on { background: #2e7d32; }
    .bars[data-level='fair'] i.on { background: #f9a825; }
    .bars[data-level='poor'] i.on, .bars[data-level='stalled'] i.on { background: #c62828; }
    .stage { margin-left: 8px; font-size: 12px; }
    .stage[data-outcome='failed'] { color: var(--mat-sys-error); }
    .muted { color: var(--mat-sys-on-surface-variant); font-size: 12px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SessionsCard {
  readonly sessions = input.required<readonly SessionView[]>();
  readonly series = input.required<Record<string, SampleSeries>>();
}
