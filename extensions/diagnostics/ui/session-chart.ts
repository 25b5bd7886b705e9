import { ChangeDetectionStrategy, Component, ElementRef, effect, input, viewChild, type OnDestroy } from '@angular/core';
import uPlot from 'uplot';
import type { SampleSeries } from './diagnostics-api';

/** One friend's RTT (left axis, ms) and throughput each way (right axis, KB/s) over the last minutes, drawn by uPlot. */
@Component({
  selector: 'diagnostics-session-chart',
  template: `
    <div #plot class="plot" data-testid="session-chart"></div>
    <p class="key"><i class="rtt"></i> RTT (ms, left) <i class="in"></i> in (KB/s, right)
      <i class="out"></i> out (KB/s, right)</p>`,
  styles: `
    :host { display: block; }
    .plot { min-height: 180px; }
    .key { font-size: 12px; margin: 0; color: var(--mat-sys-on-surface-variant); }
    .key i { display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 12px; }
    .key .rtt { background: #6750a4; } .key .in { background: #2e7d32; } .key .out { background: #ef6c00; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SessionChart implements OnDestroy {
  readonly series = input.required<SampleSeries>();
  private readonly container = viewChild.required<ElementRef<HTMLElement>>('plot');
  #plot: uPlot | undefined;

  constructor() {
    effect(() => {
      const s = this.series();
      const data: uPlot.AlignedData = [s.t, s.rttMs, s.inBps.map((b) => b / 1024), s.outBps.map((b) => b / 1024)];
      if (this.#plot) this.#plot.setData(data);
      else this.#plot = new uPlot(this.#options(), data, this.container().nativeElement);
    });
  }

  ngOnDestroy(): void {
    this.#plot?.destroy();
  }

  #options(): uPlot.Options {
    const width = Math.max(320, Math.min(900, this.container().nativeElement.clientWidth || 640));
    return {
      width,
      height: 180,
      // uPlot's own legend needs its stylesheet; the key below the chart says the same.
      legend: { show: false },
      scales: { x: { time: true }, ms: { auto: true }, kbs: { auto: true } },
      axes: [
        {},
        { scale: 'ms', label: 'RTT ms', size: 50 },
        { scale: 'kbs', label: 'KB/s', side: 1, size: 50, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'RTT (ms)', scale: 'ms', stroke: '#6750a4', width: 2, spanGaps: true },
        { label: 'in (KB/s)', scale: 'kbs', stroke: '#2e7d32', width: 1 },
        { label: 'out (KB/s)', scale: 'kbs', stroke: '#ef6c00', width: 1 },
      ],
    };
  }
}
