import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, afterNextRender, computed, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { RecoveryWords } from './recovery-words';

/**
 * The new persona's 24 recovery words, shown once here (Settings shows them again for the
 * passphrase); the page forgets them as soon as the user confirms they wrote them down.
 */
@Component({
  selector: 'kith-mnemonic-reveal',
  imports: [FormsModule, MatCheckboxModule, MatButtonModule, RecoveryWords],
  template: `
    <section class="reveal" aria-labelledby="reveal-title">
      <h2 id="reveal-title" tabindex="-1">Write down these 24 words</h2>
      <p>
        They are the only backup of <strong>{{ label() }}</strong>. Anyone with them can be this persona;
        without them a lost passphrase cannot be recovered. Settings shows them again, for the passphrase.
      </p>
      <kith-recovery-words data-testid="mnemonic-words" [words]="words()" />
      <mat-checkbox [(ngModel)]="written" data-testid="mnemonic-written">I have written down all 24 words</mat-checkbox>
      <div class="actions">
        <button mat-flat-button type="button" [disabled]="!written() || busy()" (click)="confirm()" data-testid="mnemonic-confirm">
          Continue
        </button>
      </div>
    </section>
  `,
  styles: `
    .reveal { padding: 16px; }
    h2 { font: var(--mat-sys-title-large); margin: 0 0 8px; outline: none; }
    .actions { display: flex; justify-content: flex-end; margin-top: 12px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MnemonicReveal {
  readonly label = input.required<string>();
  readonly mnemonic = input.required<string>();
  readonly confirmed = output<void>();
  protected readonly words = computed(() => this.mnemonic().trim().split(/\s+/));
  protected readonly written = signal(false);
  protected readonly busy = signal(false);

  constructor() {
    // The next step of creating a persona: start reading here (focus was on the Create button).
    const element = inject(ElementRef<HTMLElement>);
    afterNextRender(() => (element.nativeElement as HTMLElement).querySelector<HTMLElement>('h2')?.focus());
    // Closing or reloading the tab now would drop the words unseen: the browser asks first.
    window.addEventListener('beforeunload', this.#warnBeforeLeaving);
    inject(DestroyRef).onDestroy(() => window.removeEventListener('beforeunload', this.#warnBeforeLeaving));
  }

  readonly #warnBeforeLeaving = (event: BeforeUnloadEvent) => {
    if (this.written()) return;
    event.preventDefault();
    event.returnValue = ''; // older Chromium asks only when this is set
  };

  protected confirm(): void {
    this.busy.set(true);
    this.confirmed.emit();
  }
}
