import { ChangeDetectionStrategy, Component, inject, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';
import { MIN_PASSPHRASE } from './create-persona-form';

/** Restore a persona on this machine from its 24 recovery words. */
@Component({
  selector: 'kith-restore-persona-form',
  imports: [FormsModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatProgressBarModule],
  template: `
    <form (ngSubmit)="restore()" aria-label="Restore a persona from its recovery words">
      <mat-form-field appearance="outline">
        <mat-label>24 recovery words</mat-label>
        <textarea matInput name="mnemonic" rows="4" required autocomplete="off" spellcheck="false" [(ngModel)]="mnemonic" data-testid="restore-mnemonic"></textarea>
        <mat-hint>{{ wordCount() }} / 24 words, separated by spaces</mat-hint>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Label</mat-label>
        <input matInput name="label" required maxlength="64" [(ngModel)]="label" data-testid="restore-label" />
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>New passphrase</mat-label>
        <input matInput name="passphrase" type="password" required autocomplete="new-password" [(ngModel)]="passphrase" data-testid="restore-passphrase" />
      </mat-form-field>
      @if (problem(); as p) { <p class="error-text" role="alert">{{ p }}</p> }
      @if (busy()) { <mat-progress-bar mode="indeterminate" aria-label="Restoring" /> }
      <div class="actions">
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="restore-submit">Restore</button>
      </div>
    </form>
  `,
  styleUrl: './login-form.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RestorePersonaForm {
  readonly #identity = inject(IdentityStore);
  readonly restored = output<void>();
  protected mnemonic = '';
  protected label = '';
  protected passphrase = '';
  protected readonly busy = signal(false);
  protected readonly problem = signal<string | null>(null);

  protected wordCount(): number {
    return this.mnemonic.trim() ? this.mnemonic.trim().split(/\s+/).length : 0;
  }

  protected async restore(): Promise<void> {
    if (this.wordCount() !== 24) return this.problem.set('Enter all 24 words.');
    if (!this.label.trim()) return this.problem.set('Give the persona a label.');
    if (this.passphrase.length < MIN_PASSPHRASE) return this.problem.set(`The passphrase needs at least ${MIN_PASSPHRASE} characters.`);
    this.busy.set(true);
    this.problem.set(null);
    try {
      const persona = await this.#identity.restore(this.label.trim(), this.passphrase, this.mnemonic);
      const state = await this.#identity.refresh();
      if (state.locked || state.activeSlug !== persona.slug) await this.#identity.unlock(persona.slug, this.passphrase);
      this.mnemonic = this.passphrase = '';
      this.restored.emit();
    } catch (error) {
      this.problem.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
