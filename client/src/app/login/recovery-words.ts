import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** A persona's 24 recovery words as a numbered grid (at creation, and again in Settings). */
@Component({
  selector: 'kith-recovery-words',
  template: `
    <ol class="words" [attr.aria-label]="label()">
      @for (word of words(); track $index) {
        <li><span class="n" aria-hidden="true">{{ $index + 1 }}</span> <span class="w">{{ word }}</span></li>
      }
    </ol>
  `,
  styles: `
    .words {
      list-style: none; padding: 0; margin: 16px 0;
      display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 6px;
    }
    .words li {
      background: var(--mat-sys-surface-container-high); border-radius: 8px; padding: 6px 8px;
      font-family: ui-monospace, Menlo, monospace;
    }
    .n { color: var(--mat-sys-on-surface-variant); display: inline-block; min-width: 1.6em; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RecoveryWords {
  readonly words = input.required<readonly string[]>();
  readonly label = input('Recovery words, in order');
}
