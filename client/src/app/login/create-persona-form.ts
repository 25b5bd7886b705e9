import { ChangeDetectionStrategy, Component, inject, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';

/** Minimum passphrase length the form asks for (the vault's argon2id does the rest). */
export const MIN_PASSPHRASE = 8;

/** Create a persona: a label and a passphrase; the host answers with its mnemonic, shown once. */
@Component({
  selector: 'kith-create-persona-form',
  imports: [FormsModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatProgressBarModule],
  template: `
    <form (ngSubmit)="create()" aria-label="Create a persona">
      <p class="hint muted">A persona is an identity of its own, with its own keys, friends and chats.</p>
      <mat-form-field appearance="outline">
        <mat-label>Label</mat-label>
        <input matInput name="label" required maxlength="64" autocomplete="nickname" [(ngModel)]="label" data-testid="create-label" data-autofocus />
        <mat-hint>Friends you pair with receive it, e.g. your first name</mat-hint>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Passphrase</mat-label>
        <input matInput name="passphrase" type="password" required autocomplete="new-password" [(ngModel)]="passphrase" data-testid="create-passphrase" />
        <mat-hint>At least {{ min }} characters; it unlocks this persona on this machine</mat-hint>
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Repeat passphrase</mat-label>
        <input matInput name="repeat" type="password" required autocomplete="new-password" [(ngModel)]="repeat" data-testid="create-repeat" />
      </mat-form-field>
      @if (problem(); as p) { <p class="error-text" role="alert">{{ p }}</p> }
      @if (busy()) { <mat-progress-bar mode="indeterminate" aria-label="Creating the persona" /> }
      <div class="actions">
        <button mat-flat-button type="submit" [disabled]="busy()" data-testid="create-submit">Create persona</button>
      </div>
    </form>
  `,
  styleUrl: './login-form.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CreatePersonaForm {
  readonly #identity = inject(IdentityStore);
  readonly created = output<{ slug: string; label: string; mnemonic: string; passphrase: string }>();
  protected readonly min = MIN_PASSPHRASE;
  protected label = '';
  protected passphrase = '';
  protected repeat = '';
  protected readonly busy = signal(false);
  protected readonly problem = signal<string | null>(null);

  protected async create(): Promise<void> {
    const label = this.label.trim();
    if (!label) return this.problem.set('Give the persona a label.');
    if (this.passphrase.length < MIN_PASSPHRASE) return this.problem.set(`The passphrase needs at least ${MIN_PASSPHRASE} characters.`);
    if (this.passphrase !== this.repeat) return this.problem.set('The two passphrases differ.');
    this.busy.set(true);
    this.problem.set(null);
    try {
      const persona = await this.#identity.create(label, this.passphrase);
      if (!persona.mnemonic) throw new Error('The host did not return the recovery words');
      this.created.emit({ slug: persona.slug, label, mnemonic: persona.mnemonic, passphrase: this.passphrase });
      this.label = this.passphrase = this.repeat = '';
    } catch (error) {
      this.problem.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
