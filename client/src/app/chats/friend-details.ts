import { ChangeDetectionStrategy, Component, inject, signal, type OnInit } from '@angular/core';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatButtonModule } from '@angular/material/button';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';
import { RendezvousStore } from './rendezvous-store';
import { safetyNumber } from './safety-number';

interface FriendRow {
  readonly id: number;
  readonly label: string;
  readonly master_pubkey: string;
  readonly verified: boolean;
}

/**
 * A friend's details from the conversation header: their key, the safety number to compare with
 * them (on a call or in person) at any time, and "mark verified" once both read the same number.
 */
@Component({
  selector: 'kith-friend-details',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title tabindex="-1">{{ data.label || 'Friend' }}</h2>
    <mat-dialog-content>
      <p class="status" data-testid="friend-verified">
        @if (friend()?.verified) {
          <span class="badge ok">Verified</span> You compared the safety number with {{ data.label }}.
        } @else {
          <span class="badge warn">Not verified</span> Compare the safety number below with {{ data.label }}.
        }
      </p>
      <h3>Safety number</h3>
      <p class="muted">Read it to each other on a call or in person. If both of you see the same digits, nobody sits between you.</p>
      <p class="number mono" data-testid="safety-number" aria-live="polite">{{ number() ?? 'Computing…' }}</p>
      <h3>Their key</h3>
      <p class="mono key" data-testid="friend-key">{{ data.peer }}</p>
      @if (error(); as message) { <p class="error-text" role="alert">{{ message }}</p> }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close>Close</button>
      @if (friend() && !friend()!.verified) {
        <button mat-flat-button type="button" (click)="markVerified()" data-testid="mark-verified">The numbers match: mark verified</button>
      }
    </mat-dialog-actions>
  `,
  styles: `
    h3 { font: var(--mat-sys-title-small); margin: 16px 0 4px; }
    .number { font-size: 20px; line-height: 1.6; letter-spacing: 1px; word-spacing: 6px; margin: 8px 0; word-break: normal; }
    .key { font-size: 12px; }
    .status { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FriendDetails implements OnInit {
  protected readonly data = inject<{ peer: string; label: string }>(MAT_DIALOG_DATA);
  readonly #api = inject(ApiClient);
  readonly #identity = inject(IdentityStore);
  readonly #rendezvous = inject(RendezvousStore);
  protected readonly number = signal<string | null>(null);
  protected readonly friend = signal<FriendRow | null>(null);
  protected readonly error = signal<string | null>(null);

  async ngOnInit(): Promise<void> {
    const mine = this.#identity.active()?.masterPublicKey;
    if (mine) this.number.set(await safetyNumber(mine, this.data.peer));
    try {
      const friends = await this.#api.get<FriendRow[]>('/friends');
      this.friend.set(friends.find((f) => f.master_pubkey === this.data.peer) ?? null);
    } catch (error) {
      this.error.set(`Friends are not available: ${describeError(error)}`);
    }
  }

  protected async markVerified(): Promise<void> {
    const friend = this.friend();
    if (!friend) return;
    try {
      this.friend.set(await this.#api.post<FriendRow>(`/friends/${friend.id}`, { verified: true }));
      void this.#rendezvous.refreshFriends();
    } catch (error) {
      this.error.set(describeError(error));
    }
  }
}
