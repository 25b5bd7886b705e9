import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatTooltipModule } from '@angular/material/tooltip';
import { ContributionOutlet } from '../extensions/contribution-outlet';
import { ExtensionsStore } from '../extensions/extensions-store';
import type { ContributedPeerAction } from '../extensions/extension-entry';
import { FriendDetails } from './friend-details';
import { RendezvousStore } from './rendezvous-store';

/**
 * The main surface, conversations first: the conversation list (slot `home.sidebar`) beside the
 * open conversation (slot `home.main`); on a phone one at a time, with a back action. Rooms and
 * pairing live on the Connect page. The selected conversation is the `peer` query parameter, so
 * any extension can open one with `host.navigate('/chats?peer=<key>')`.
 */
@Component({
  selector: 'kith-chats-page',
  imports: [RouterLink, ContributionOutlet, MatButtonModule, MatTooltipModule],
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
  readonly #dialog = inject(MatDialog);

  protected readonly selected = computed(() => this.peer() ?? null);
  protected readonly sidebarViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.sidebar'));
  protected readonly panelViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.main'));
  protected readonly headerViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.header'));
  protected readonly selectedLabel = computed(() => {
    const key = this.selected();
    if (!key) return null;
    if (key === 'self') return 'Notes to self';
    return this.#rendezvous.nameOf(key) ?? `${key.slice(0, 12)}…`;
  });

  constructor() {
    // Friend names for the conversation header.
    void this.#rendezvous.refreshFriends();
  }

  protected select(peer: string | null): void {
    void this.#router.navigate([], { queryParams: { peer }, queryParamsHandling: 'merge' });
  }

  /** Who this friend is, their safety number, and marking them verified. */
  protected showFriend(peer: string): void {
    this.#dialog.open(FriendDetails, { data: { peer, label: this.selectedLabel() ?? '' }, autoFocus: 'first-heading', maxWidth: '95vw' });
  }

  protected runAction(action: ContributedPeerAction): void {
    const peer = this.selected();
    if (!peer) return;
    void this.#router.navigateByUrl('/' + action.item.route.replace(/^\/+/, '').replace(':peer', encodeURIComponent(peer)));
  }
}
