import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { Router } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatDividerModule } from '@angular/material/divider';
import { MatMenuModule } from '@angular/material/menu';
import { MatSnackBar } from '@angular/material/snack-bar';
import { describeError } from '../api/api-error';
import { IdentityStore, type Persona } from '../session/identity-store';

/** The top bar's persona menu: who is active, switch persona, add one, sign out (locks). */
@Component({
  selector: 'kith-persona-menu',
  imports: [MatButtonModule, MatMenuModule, MatDividerModule],
  template: `
    <button mat-button [matMenuTriggerFor]="menu" class="persona-button" [attr.aria-label]="(identity.active()?.label ?? 'Persona') + ', persona menu'"
            data-testid="persona-menu">
      <span class="material-symbols-outlined" aria-hidden="true">account_circle</span>
      <span class="label">{{ identity.active()?.label ?? 'Persona' }}</span>
      <span class="material-symbols-outlined" aria-hidden="true">arrow_drop_down</span>
    </button>
    <mat-menu #menu="matMenu" xPosition="before">
      <div class="menu-heading" aria-hidden="true">Switch persona</div>
      @for (persona of identity.personas(); track persona.slug) {
        <button mat-menu-item (click)="switchTo(persona)" [attr.aria-current]="persona.slug === identity.active()?.slug ? 'true' : null">
          <span class="material-symbols-outlined" aria-hidden="true">
            {{ persona.slug === identity.active()?.slug ? 'radio_button_checked' : 'radio_button_unchecked' }}
          </span>
          <span>{{ persona.label }}</span>
        </button>
      }
      <button mat-menu-item (click)="addPersona()">
        <span class="material-symbols-outlined" aria-hidden="true">person_add</span>
        <span>Add a persona</span>
      </button>
      <mat-divider />
      <button mat-menu-item (click)="signOut()" data-testid="sign-out">
        <span class="material-symbols-outlined" aria-hidden="true">lock</span>
        <span>Sign out (lock)</span>
      </button>
    </mat-menu>
  `,
  styles: `
    .persona-button { max-width: 200px; }
    .persona-button ::ng-deep .mdc-button__label { display: inline-flex; align-items: center; gap: 4px; }
    .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 120px; }
    .menu-heading { padding: 8px 16px 4px; font: var(--mat-sys-label-medium); color: var(--mat-sys-on-surface-variant); }
    button[mat-menu-item] .material-symbols-outlined { margin-right: 12px; vertical-align: middle; }
    @media (max-width: 400px) { .label { max-width: 72px; } }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PersonaMenu {
  protected readonly identity = inject(IdentityStore);
  readonly #router = inject(Router);
  readonly #snackBar = inject(MatSnackBar);

  protected async switchTo(persona: Persona): Promise<void> {
    if (persona.slug === this.identity.active()?.slug) return;
    try {
      if (persona.unlocked) {
        await this.identity.select(persona.slug);
        await this.#router.navigateByUrl('/chats');
      } else {
        await this.#router.navigate(['/login'], { queryParams: { switch: persona.slug } });
      }
    } catch (error) {
      // Not unlocked yet (the host needs the passphrase): ask for it.
      await this.#router.navigate(['/login'], { queryParams: { switch: persona.slug } });
      if (!(error instanceof Error && /lock/i.test(error.message))) this.#snackBar.open(describeError(error), undefined, { duration: 4000 });
    }
  }

  protected addPersona(): void {
    void this.#router.navigate(['/login'], { queryParams: { add: 1 } });
  }

  protected async signOut(): Promise<void> {
    try {
      await this.identity.lock();
    } catch (error) {
      this.#snackBar.open(`Could not lock: ${describeError(error)}`, undefined, { duration: 5000 });
      return;
    }
    await this.#router.navigateByUrl('/login');
  }
}
