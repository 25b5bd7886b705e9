import { ChangeDetectionStrategy, Component, ElementRef, effect, input, viewChild, type OnDestroy } from '@angular/core';
import uPlot from 'uplot';
import type { SampleSeries } from './diagnostics-api';

/** One friend's RTT (left axis, ms) and throughput each way (right axis, KB/s) over the last minutes, drawn by uPlot. */
@Component({
  selector: 'diagnostics-session-chart',
  template: `<div #plot class="plot" data-testid="session-chart"></div>`,
  styles: `.plot { min-height: 180px; } :host { display: block; }`,
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
      legend: { show: true },
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
