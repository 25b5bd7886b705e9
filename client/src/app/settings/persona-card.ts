import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';
import { RecoveryWords } from '../login/recovery-words';

/**
 * Settings → This persona: its 24 recovery words again (for its passphrase: the words shown once
 * at creation may have been lost with a tab), and a new passphrase.
 */
@Component({
  selector: 'kith-persona-card',
  imports: [MatCardModule, MatButtonModule, RecoveryWords],
  template: `
    <mat-card appearance="outlined" class="section" data-testid="persona-card">
      <h2>This persona: {{ label() }}</h2>

      <h3>Recovery words</h3>
      @if (words(); as list) {
        <kith-recovery-words data-testid="recovery-words" [words]="list" label="Recovery words of this persona, in order" />
        <button mat-stroked-button type="button" (click)="words.set(null)">Hide the words</button>
      } @else {
        <form class="row" (submit)="$event.preventDefault(); showWords(wordsPass.value); wordsPass.value = ''">
          <label>Passphrase
            <input #wordsPass type="password" autocomplete="current-password" data-testid="words-passphrase" required />
          </label>
          <button mat-stroked-button type="submit" [disabled]="busy()">Show the 24 words</button>
        </form>
        <p class="muted">Anyone who sees them can be this persona: show them only where nobody watches.</p>
      }

      <h3>Passphrase</h3>
      <form class="row" (submit)="$event.preventDefault(); change($any($event.target), oldPass.value, newPass.value, againPass.value)">
        <label>Current <input #oldPass type="password" autocomplete="current-password" data-testid="old-passphrase" required /></label>
        <label>New <input #newPass type="password" autocomplete="new-password" data-testid="new-passphrase" required /></label>
        <label>New again <input #againPass type="password" autocomplete="new-password" data-testid="new-passphrase-again" required /></label>
        <button mat-stroked-button type="submit" [disabled]="busy()">Change passphrase</button>
      </form>
      @if (notice(); as text) { <p role="status" data-testid="persona-notice">{{ text }}</p> }
      @if (error(); as text) { <p class="error" role="alert" data-testid="persona-error">{{ text }}</p> }
    </mat-card>
  `,
  styles: `
    .section { padding: 16px; margin-bottom: 12px; }
    h2 { font: var(--mat-sys-title-medium); margin: 0 0 8px; }
    h3 { font: var(--mat-sys-title-small); margin: 12px 0 4px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; }
    .row label { display: flex; flex-direction: column; font: var(--mat-sys-body-small); gap: 2px; }
    .row input { font: inherit; padding: 4px; }
    .muted { color: var(--mat-sys-on-surface-variant); margin: 4px 0 0; }
    .error { color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PersonaCard {
  readonly #api = inject(ApiClient);
  readonly #identity = inject(IdentityStore);
  protected readonly label = computed(() => this.#identity.active()?.label ?? '');
  protected readonly words = signal<readonly string[] | null>(null);
  protected readonly busy = signal(false);
  protected readonly notice = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);

  protected showWords(passphrase: string): Promise<void> {
    return this.#run(async (slug) => {
      const { mnemonic } = await this.#api.request<{ mnemonic: string }>('POST', `/personas/${encodeURIComponent(slug)}/mnemonic`, { passphrase });
      this.words.set(mnemonic.trim().split(/\s+/));
    });
  }

  protected change(form: HTMLFormElement, oldPassphrase: string, newPassphrase: string, again: string): Promise<void> {
    if (newPassphrase !== again) {
      this.error.set('The new passphrase and its repetition differ.');
      return Promise.resolve();
    }
    return this.#run(async (slug) => {
      await this.#api.request('POST', `/personas/${encodeURIComponent(slug)}/passphrase`, { old_passphrase: oldPassphrase, new_passphrase: newPassphrase });
      form.reset();
      this.notice.set('The passphrase is changed: unlock with the new one from now on.');
    });
  }

  async #run(action: (slug: string) => Promise<void>): Promise<void> {
    const slug = this.#identity.active()?.slug;
    if (!slug) return;
    this.busy.set(true);
    this.error.set(null);
    this.notice.set(null);
    try {
      await action(slug);
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
