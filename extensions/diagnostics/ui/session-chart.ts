import { ChangeDetectionStrategy, Component, ElementRef, effect, input, viewChild, type OnDestroy } from '@angular/core';
import uPlot from 'uplot';
import type { SampleSeries } from './diagnostics-api';

/** The chart's height in CSS px; its width follows the card. */
const CHART_HEIGHT = 200;

/** One friend's RTT (left axis, ms) and throughput each way (right axis, KB/s) over the last minutes, drawn by uPlot. */
@Component({
  selector: 'diagnostics-session-chart',
  template: `
    <p class="key"><span><i class="rtt"></i>RTT (ms, left)</span> <span><i class="in"></i>in (KB/s, right)</span>
      <span><i class="out"></i>out (KB/s, right)</span></p>
    <div #plot class="plot" data-testid="session-chart"></div>`,
  styles: `
    :host { display: block; min-width: 0; }
    .plot { width: 100%; height: ${CHART_HEIGHT}px; overflow: hidden; }
    .key { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 12px; margin: 0 0 4px; color: var(--mat-sys-on-surface-variant); }
    .key i { display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 0; }
    .key .rtt { background: #6750a4; } .key .in { background: #2e7d32; } .key .out { background: #ef6c00; }
    /* uPlot's own stylesheet is not loaded (the page's styles are the components'), yet its layers need
       these rules: without them the plot's layers stack as blocks below each other. */
    :host ::ng-deep .uplot, :host ::ng-deep .uplot * { box-sizing: border-box; }
    :host ::ng-deep .u-wrap { position: relative; user-select: none; }
    :host ::ng-deep .u-over, :host ::ng-deep .u-under, :host ::ng-deep .u-axis { position: absolute; }
    :host ::ng-deep .u-under { overflow: hidden; }
    :host ::ng-deep .uplot canvas { display: block; position: relative; width: 100%; height: 100%; }
    :host ::ng-deep .u-select { background: rgba(0, 0, 0, 0.07); position: absolute; pointer-events: none; }
    :host ::ng-deep .u-cursor-x, :host ::ng-deep .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform; }
    :host ::ng-deep .u-hz .u-cursor-x { height: 100%; border-right: 1px dashed #607d8b; }
    :host ::ng-deep .u-hz .u-cursor-y { width: 100%; border-bottom: 1px dashed #607d8b; }
    :host ::ng-deep .u-cursor-pt { position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; background-clip: padding-box !important; }
    :host ::ng-deep .u-off { display: none; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SessionChart implements OnDestroy {
  readonly series = input.required<SampleSeries>();
  private readonly container = viewChild.required<ElementRef<HTMLElement>>('plot');
  #plot: uPlot | undefined;
  /** Resizes the chart to its card whenever the window or the layout changes its width. */
  #resizes: ResizeObserver | undefined;

  constructor() {
    effect(() => {
      const s = this.series();
      const data: uPlot.AlignedData = [s.t, s.rttMs, s.inBps.map((b) => b / 1024), s.outBps.map((b) => b / 1024)];
      if (this.#plot) this.#plot.setData(data);
      else this.#create(data);
    });
  }

  ngOnDestroy(): void {
    this.#resizes?.disconnect();
    this.#plot?.destroy();
  }

  #create(data: uPlot.AlignedData): void {
    const element = this.container().nativeElement;
    const plot = (this.#plot = new uPlot(this.#options(element.clientWidth || 320), data, element));
    this.#resizes = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: CHART_HEIGHT });
    });
    this.#resizes.observe(element);
  }

  #options(width: number): uPlot.Options {
    return {
      width,
      height: CHART_HEIGHT,
      // uPlot's own legend needs its stylesheet; the key above the chart says the same.
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
