import { ChangeDetectionStrategy, Component, ElementRef, computed, inject, signal, type OnInit } from '@angular/core';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatTabsModule } from '@angular/material/tabs';
import { IdentityStore } from '../session/identity-store';
import { Realtime } from '../realtime/realtime';
import { UnlockForm } from './unlock-form';
import { CreatePersonaForm } from './create-persona-form';
import { RestorePersonaForm } from './restore-persona-form';
import { MnemonicReveal } from './mnemonic-reveal';
import { focusPage } from '../a11y/route-focus';

/**
 * The login gate: unlock a persona, create one (its mnemonic is shown once), or restore one from
 * its mnemonic. Reached while locked, or from the persona menu to switch or add a persona.
 */
@Component({
  selector: 'kith-login-page',
  imports: [MatCardModule, MatTabsModule, MatButtonModule, RouterLink, UnlockForm, CreatePersonaForm, RestorePersonaForm, MnemonicReveal],
  templateUrl: './login-page.html',
  styleUrl: './login-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage implements OnInit {
  protected readonly identity = inject(IdentityStore);
  readonly #router = inject(Router);
  readonly #route = inject(ActivatedRoute);
  readonly #element = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;

  /** The created persona whose mnemonic is on screen (once), with the passphrase to unlock after. */
  protected readonly reveal = signal<{ slug: string; label: string; mnemonic: string; passphrase: string } | null>(null);
  protected readonly tab = signal(0);
  protected readonly preselect = signal<string | null>(null);
  protected readonly hasPersonas = computed(() => this.identity.personas().length > 0);
  readonly #realtime = inject(Realtime);
  /** The host was reached and is gone (stopped, restarting): unlocking cannot work until it is back. */
  protected readonly hostLost = computed(() => this.#realtime.connections() > 0 && !this.#realtime.connected());

  async ngOnInit(): Promise<void> {
    const params = this.#route.snapshot.queryParamMap;
    this.preselect.set(params.get('switch'));
    await this.identity.ensureLoaded().catch(() => undefined);
    if (params.has('add') || !this.hasPersonas()) this.tab.set(1);
    this.#focusField();
  }

  /**
   * Start in the field to fill: the passphrase (Unlock) or the label (Create). Looked for in the
   * selected tab's body only: until the change renders and while the tabs slide, the tab left
   * behind still shows its own field.
   */
  #focusField(): void {
    void focusPage(() => this.#element.querySelectorAll('mat-tab-body')[this.tab()] ?? this.#element, true);
  }

  protected onCreated(created: { slug: string; label: string; mnemonic: string; passphrase: string }): void {
    this.reveal.set(created);
  }

  /** The user confirmed they wrote the words down: forget them and enter the app. */
  protected async onMnemonicConfirmed(): Promise<void> {
    const created = this.reveal();
    this.reveal.set(null);
    if (!created) return;
    try {
      const state = await this.identity.refresh();
      if (state.locked || state.activeSlug !== created.slug) await this.identity.unlock(created.slug, created.passphrase);
      await this.enter();
    } catch {
      // The persona exists; let the user unlock it by hand.
      this.preselect.set(created.slug);
      this.tab.set(0);
      this.#focusField();
    }
  }

  protected async enter(): Promise<void> {
    await this.#router.navigateByUrl('/chats');
  }
}
