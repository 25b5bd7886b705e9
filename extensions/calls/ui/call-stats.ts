import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { CallStats } from './call-controller';

/** The call's quality (bars) and live figures: RTT, loss both ways, bitrate, jitter buffer. */
@Component({
  selector: 'calls-call-stats',
  template: `
    <div class="stats" data-testid="call-stats" [attr.data-quality]="stats().quality">
      <span class="quality" role="img" [attr.aria-label]="'Call quality: ' + stats().quality">
        @for (bar of [1, 2, 3]; track bar) { <span class="bar" [class.lit]="bar <= bars()" [style.height.px]="bar * 5 + 3"></span> }
        <span class="word">{{ stats().quality }}</span>
      </span>
      <dl>
        <dt>RTT</dt><dd data-testid="stat-rtt">{{ stats().rttMs === null ? '–' : stats().rttMs!.toFixed(0) + ' ms' }}</dd>
        <dt>Loss</dt><dd data-testid="stat-loss">{{ percent(stats().lossIn) }} in · {{ percent(stats().lossOut) }} out</dd>
        <dt>Bitrate</dt><dd data-testid="stat-bitrate">{{ stats().receiveKbps.toFixed(0) }} kb/s in · {{ stats().sendKbps.toFixed(0) }} out</dd>
        <dt>Jitter buffer</dt><dd data-testid="stat-jitter">{{ stats().jitterMs.toFixed(0) }} ms</dd>
      </dl>
    </div>
  `,
  styles: `
    .stats { background: rgba(0,0,0,0.55); color: #fff; border-radius: 10px; padding: 8px 12px; font: var(--mat-sys-body-small); }
    .quality { display: inline-flex; align-items: flex-end; gap: 2px; }
    .bar { width: 5px; background: rgba(255,255,255,0.3); border-radius: 1px; }
    .bar.lit { background: #81c784; }
    [data-quality='fair'] .bar.lit { background: #ffd54f; }
    [data-quality='poor'] .bar.lit { background: #e57373; }
    .word { margin-left: 6px; text-transform: capitalize; }
    dl { display: grid; grid-template-columns: auto auto; gap: 2px 10px; margin: 6px 0 0; }
    dt { opacity: 0.8; }
    dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CallStatsView {
  readonly stats = input.required<CallStats>();
  protected readonly bars = computed(() => ({ good: 3, fair: 2, poor: 1 })[this.stats().quality]);
  protected percent(share: number): string {
    return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
  }
}
