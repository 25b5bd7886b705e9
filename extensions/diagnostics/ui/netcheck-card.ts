import { ChangeDetectionStrategy, Component, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { CheckItem, FamilyReport } from '../src/netcheck/check-item';
import type { DiagnosticsApi, NetcheckReport } from './diagnostics-api';

const ITEMS: ReadonlyArray<[keyof FamilyReport, string]> = [
  ['udp', 'UDP works'],
  ['publicEndpoint', 'Public endpoint'],
  ['mapping', 'Same public port for every destination'],
  ['filtering', 'Lets in packets nobody asked for'],
  ['hairpin', 'Reaches itself through the router'],
  ['inbound', 'Friends can reach this machine first'],
];

/** The network check: a plain verdict on top, then every item per family with its reason. */
@Component({
  selector: 'diagnostics-netcheck',
  imports: [MatButtonModule],
  template: `
    <section class="card" data-testid="netcheck">
      <div class="head">
        <h2>Network check</h2>
        <input class="rdv" [value]="rendezvous()" (change)="rendezvous.set($any($event.target).value)" maxlength="512"
               placeholder="Rendezvous server (http://…), optional" aria-label="Rendezvous server" />
        <button mat-flat-button type="button" (click)="run()" [disabled]="running()" data-testid="run-netcheck">
          {{ running() ? 'Checking…' : 'Run check' }}
        </button>
      </div>
      @if (report(); as r) {
        <p class="verdict" [attr.data-level]="r.verdict.level" data-testid="verdict">{{ r.verdict.text }}</p>
        <table>
          <thead><tr><th></th><th>IPv4</th><th>IPv6</th></tr></thead>
          <tbody>
            @for (row of items; track row[0]) {
              <tr>
                <th scope="row">{{ row[1] }}</th>
                @for (family of [r.ipv4, r.ipv6]; track family.family) {
                  @let item = itemOf(family, row[0]);
                  <td [attr.data-state]="item?.state">
                    @if (item) {
                      <strong>{{ item.state }}</strong>@if (item.value) { <code> {{ item.value }}</code> }
                      <div class="why">{{ item.reason }}</div>
                    } @else { <span class="why">—</span> }
                  </td>
                }
              </tr>
            }
            <tr>
              <th scope="row">Rendezvous clock</th>
              <td colspan="2" [attr.data-state]="r.rendezvous.reachable.state">
                <strong>{{ r.rendezvous.reachable.state }}</strong>
                @if (r.rendezvous.rttMs !== undefined) { · {{ r.rendezvous.rttMs }} ms round trip · offset {{ r.rendezvous.offsetMs }} ms }
                <div class="why">{{ r.rendezvous.reachable.reason }}</div>
              </td>
            </tr>
          </tbody>
        </table>
        <p class="why">Finished in {{ r.durationMs }} ms.</p>
      } @else if (!running()) {
        <p class="why">Run the check to see whether direct connections can work from this network.</p>
      }
      @if (error(); as e) { <p class="error" role="alert">{{ e }}</p> }
    </section>
  `,
  styles: `
    .head { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
    .rdv { flex: 1; min-width: min(220px, 100%); padding: 6px; }
    .verdict { font-size: 16px; font-weight: 600; padding: 8px 12px; border-radius: 8px; background: var(--mat-sys-surface-container); }
    .verdict[data-level='good'] { border-left: 6px solid #2e7d32; }
    .verdict[data-level='limited'], .verdict[data-level='unknown'] { border-left: 6px solid #f9a825; }
    .verdict[data-level='poor'], .verdict[data-level='blocked'] { border-left: 6px solid #c62828; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--mat-sys-outline-variant); }
    /* Host names and addresses in the reasons break anywhere rather than widen a narrow page. */
    td, .verdict { overflow-wrap: anywhere; }
    td[data-state='yes'] strong { color: #2e7d32; }
    td[data-state='no'] strong { color: #c62828; }
    td[data-state='unknown'] strong { color: #8d6e00; }
    .why { font-size: 12px; color: var(--mat-sys-on-surface-variant); }
    .error { color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NetcheckCard {
  readonly api = input.required<DiagnosticsApi>();
  protected readonly items = ITEMS;
  protected readonly rendezvous = signal('');
  protected readonly report = signal<NetcheckReport | null>(null);
  protected readonly running = signal(false);
  protected readonly error = signal<string | null>(null);

  protected itemOf(family: FamilyReport, key: keyof FamilyReport): CheckItem | undefined {
    const value = family[key];
    return value && typeof value === 'object' && 'state' in value ? (value as CheckItem) : undefined;
  }

  async run(): Promise<void> {
    this.running.set(true);
    this.error.set(null);
    try {
      this.report.set(await this.api().netcheck(this.rendezvous().trim()));
    } catch (error) {
      this.error.set((error as Error).message);
    } finally {
      this.running.set(false);
    }
  }
}
