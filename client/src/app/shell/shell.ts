import { ChangeDetectionStrategy, Component, computed, effect, inject, untracked } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatTabsModule } from '@angular/material/tabs';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { ApiClient } from '../api/api-client';
import { ContributionOutlet } from '../extensions/contribution-outlet';
import { ExtensionsStore } from '../extensions/extensions-store';
import { UiHostFactory } from '../extensions/ui-host-factory';
import { Realtime } from '../realtime/realtime';
import { IdentityStore } from '../session/identity-store';
import { PersonaMenu } from './persona-menu';
import { ConnectPrompts } from '../chats/connect-prompts';
import { RendezvousStore } from '../chats/rendezvous-store';

interface NavLink {
  readonly path: string;
  readonly label: string;
  readonly icon: string;
  /** A third-party extension's icon: drawn from the whole icon font (the shell's is cut to its own). */
  readonly fullFont?: boolean;
}

/**
 * The unlocked app: top bar (brand, navigation, connection state, persona menu) and the routed
 * page. Navigation = the shell's own pages plus every running extension's nav contribution.
 */
@Component({
  selector: 'kith-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatTabsModule, MatButtonModule, MatIconModule, MatTooltipModule, PersonaMenu, ConnectPrompts, ContributionOutlet],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  protected readonly identity = inject(IdentityStore);
  protected readonly extensions = inject(ExtensionsStore);
  protected readonly realtime = inject(Realtime);
  readonly #api = inject(ApiClient);
  readonly #router = inject(Router);
  readonly #hosts = inject(UiHostFactory);
  readonly #rendezvous = inject(RendezvousStore);

  /** Views of the `overlay` slot: shown above every page, kept while the user moves between pages. */
  protected readonly overlayViews = computed(() => this.extensions.viewsIn('overlay'));

  protected readonly links = computed<NavLink[]>(() => [
    { path: '/chats', label: 'Chats', icon: 'forum' },
    { path: '/connect', label: 'Connect', icon: 'person_add' },
    ...this.extensions
      .nav()
      .filter((n) => !n.item.route.includes(':'))
      .map((n) => ({ path: `/${n.item.route.replace(/^\/+/, '')}`, label: n.item.label, icon: n.item.icon, fullFont: !n.extension.builtin })),
    { path: '/extensions', label: 'Extensions', icon: 'extension' },
    { path: '/settings', label: 'Settings', icon: 'settings' },
  ]);

  constructor() {
    // The persona decides which extensions run: reload contributions whenever it changes.
    // Keyed on the slug alone: the persona object is new on every identity refresh.
    const persona = computed(() => this.identity.active()?.slug);
    effect(() => {
      const slug = persona();
      untracked(() => {
        this.#hosts.reset();
        if (slug) void this.extensions.refresh().catch(() => undefined);
        else this.extensions.clear();
        // The room is the persona's: restore its inputs (and rejoin after a reload) on any page.
        if (slug && !this.#rendezvous.joined()) this.#rendezvous.loadForm();
      });
    });
    // After a reconnect (host restart, lock elsewhere) re-read who is unlocked.
    effect(() => {
      this.realtime.connections();
      this.#api.locked();
      untracked(() => void this.#recheckLock());
    });
    this.realtime.on('identity:changed', () => void this.#recheckLock());
  }

  /** A session was accepted: open its conversation on Chats. */
  protected openConversation(peer: string): void {
    void this.#router.navigate(['/chats'], { queryParams: { peer } });
  }

  async #recheckLock(): Promise<void> {
    try {
      const state = await this.identity.refresh();
      if (state.locked) await this.#router.navigateByUrl('/login');
    } catch {
      // host unreachable: the realtime layer reconnects and we check again
    }
  }
}
