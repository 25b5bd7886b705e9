import { ChangeDetectionStrategy, Component, effect, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';

/** Unlock a persona with its passphrase (and make it the active one). */
@Component({
  selector: 'kith-unlock-form',
  imports: [FormsModule, MatFormFieldModule, MatInputModule, MatSelectModule, MatButtonModule, MatProgressBarModule],
  template: `
    <form (ngSubmit)="unlock()" aria-label="Unlock a persona">
      <mat-form-field appearance="outline">
        <mat-label>Persona</mat-label>
        <mat-select name="slug" [(ngModel)]="slug" required data-testid="unlock-persona">
          @for (persona of identity.personas(); track persona.slug) {
            <mat-option [value]="persona.slug">{{ persona.label }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Passphrase</mat-label>
        <input matInput name="passphrase" type="password" autocomplete="current-password" required
               [(ngModel)]="passphrase" data-testid="unlock-passphrase" data-autofocus />
        @if (error()) { <mat-error>{{ error() }}</mat-error> }
      </mat-form-field>
      @if (error()) { <p class="error-text" role="alert" data-testid="unlock-error">{{ error() }}</p> }
      @if (busy()) { <mat-progress-bar mode="indeterminate" aria-label="Unlocking" /> }
      <div class="actions">
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="unlock-submit">Unlock</button>
      </div>
    </form>
  `,
  styleUrl: './login-form.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UnlockForm {
  protected readonly identity = inject(IdentityStore);
  readonly preselect = input<string | null>(null);
  readonly unlocked = output<void>();

  protected slug = '';
  protected passphrase = '';
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  constructor() {
    effect(() => {
      const personas = this.identity.personas();
      const wanted = this.preselect();
      if (wanted && personas.some((p) => p.slug === wanted)) this.slug = wanted;
      else if (!this.slug && personas.length > 0) this.slug = (personas.find((p) => p.active) ?? personas[0]).slug;
    });
  }

  protected async unlock(): Promise<void> {
    // Checked here rather than by disabling the button: Enter right after typing must always submit.
    if (!this.slug) return this.error.set('Choose a persona.');
    if (!this.passphrase) return this.error.set('Enter the passphrase.');
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.identity.unlock(this.slug, this.passphrase);
      this.passphrase = '';
      this.unlocked.emit();
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
