import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject } from '@angular/core';
import { Router } from '@angular/router';
import { ContributionOutlet } from '../extensions/contribution-outlet';
import { ExtensionsStore } from '../extensions/extensions-store';
import { PeerList } from '../chats/peer-list';
import { RendezvousCard } from '../chats/rendezvous-card';
import { RendezvousStore } from '../chats/rendezvous-store';
import { shareRendezvousUrl, unshareRendezvousUrl } from './shared-rendezvous-url';

/**
 * Connect / Add a friend: everything that happens before a conversation, in one place. The one
 * rendezvous URL field (in the room card) serves the room and the views of slot `home.connect`
 * (pairing reads it through the shared rendezvous URL, see shared-rendezvous-url.ts).
 */
@Component({
  selector: 'kith-connect-page',
  imports: [RendezvousCard, PeerList, ContributionOutlet],
  templateUrl: './connect-page.html',
  styleUrl: './connect-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConnectPage {
  protected readonly extensions = inject(ExtensionsStore);
  readonly #rendezvous = inject(RendezvousStore);
  readonly #router = inject(Router);
  protected readonly connectViews = computed(() => this.extensions.views().filter((v) => v.item.slot === 'home.connect'));

  constructor() {
    effect(() => shareRendezvousUrl(this.#rendezvous.form().url.trim()));
    inject(DestroyRef).onDestroy(() => unshareRendezvousUrl());
  }

  /** A friend picked in the room (or just connected): open the conversation. */
  protected openChat(peer: string): void {
    void this.#router.navigate(['/chats'], { queryParams: { peer } });
  }
}
