import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Router } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
import { ContributionOutlet } from '../extensions/contribution-outlet';
import { ExtensionsStore } from '../extensions/extensions-store';
import type { ContributedPeerAction } from '../extensions/extension-entry';
import { PeerList } from './peer-list';
import { RendezvousCard } from './rendezvous-card';
import { RendezvousStore } from './rendezvous-store';

/**
 * The main surface: connection controls (room, discovery, peers, prompts) on one side, the
 * conversation on the other. Pairing, the conversation list and the chat panel itself are
 * extension views (slots `home.sidebar`, `home.main`); the selected conversation is the `peer`
 * query parameter, so any extension can open one with `host.navigate('/chats?peer=<key>')`.
 */
@Component({
  selector: 'kith-chats-page',
  imports: [RendezvousCard, PeerList, ContributionOutlet, MatButtonModule, MatTooltipModule],
  templateUrl: './chats-page.html',
  styleUrl: './chats-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatsPage {
  /** Query parameter `peer`: the open conversation (a master public key, or `self`). */
  readonly peer = input<string | undefined>(undefined);
  protected readonly extensions = inject(ExtensionsStore);
  readonly #rendezvous = inject(RendezvousStore);
  readonly #router = inject(Router);

  protected readonly selected = computed(() => this.peer() ?? null);
  protected readonly sidebarViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.sidebar'));
  protected readonly panelViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.main'));
  protected readonly selectedLabel = computed(() => {
    const key = this.selected();
    if (!key) return null;
    if (key === 'self') return 'Notes to self';
    return this.#rendezvous.nameOf(key) ?? `${key.slice(0, 12)}…`;
  });

  protected select(peer: string | null): void {
    void this.#router.navigate([], { queryParams: { peer }, queryParamsHandling: 'merge' });
  }

  protected runAction(action: ContributedPeerAction): void {
    const peer = this.selected();
    if (!peer) return;
    void this.#router.navigateByUrl('/' + action.item.route.replace(/^\/+/, '').replace(':peer', encodeURIComponent(peer)));
  }
}
