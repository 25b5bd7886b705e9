import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, Injector, afterNextRender, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import type { Disposable, UiHost } from '@kith/sdk';
import { PairingApi, type FriendJson } from './pairing-api';

/** Friends (slot `settings`): rename, verified, auto-connect, remove after a confirmation (optionally on both sides). */
@Component({
  selector: 'pairing-friends',
  imports: [MatButtonModule, MatCheckboxModule, MatSlideToggleModule],
  template: `
    <section class="friends" data-testid="friends">
      <h3>Friends</h3>
      @for (friend of friends(); track friend.id) {
        <div class="friend" [class.removing]="friend.removing" data-testid="friend">
          <input class="label" maxlength="64" [value]="friend.label" aria-label="Friend's name"
                 (change)="rename(friend, $any($event.target).value)" />
          <code class="key" [title]="friend.master_pubkey">{{ friend.master_pubkey.slice(0, 16) }}…</code>
          <mat-slide-toggle [checked]="friend.verified" (change)="update(friend, { verified: $event.checked })">Verified</mat-slide-toggle>
          <mat-slide-toggle [checked]="friend.auto_connect" (change)="update(friend, { auto_connect: $event.checked })">Auto-connect</mat-slide-toggle>
          @if (friend.removing) {
            <span class="muted">Removing when they are next online…</span>
          } @else if (confirming() !== friend.id) {
            <button mat-button type="button" (click)="askToRemove(friend)" [attr.aria-label]="'Remove ' + friend.label">Remove</button>
          }
        </div>
        @if (confirming() === friend.id) {
          <!-- Removing cannot be undone (only a new pairing brings them back): say what it does first. -->
          <div class="confirm" role="group" [attr.aria-label]="'Remove ' + friend.label + '?'" data-testid="remove-confirm">
            <p><strong>Remove {{ friend.label }}?</strong> They will no longer reach you, and you them, until you pair
              again. Your conversation and files with them stay sealed on this device; they are hidden until then.</p>
            <mat-checkbox [checked]="propagate()" (change)="propagate.set($event.checked)">
              Also remove me from {{ friend.label }}'s list
            </mat-checkbox>
            <div class="actions">
              <button mat-button type="button" data-autofocus (click)="confirming.set(null)">Cancel</button>
              <button mat-flat-button type="button" class="danger" (click)="remove(friend)">Remove {{ friend.label }}</button>
            </div>
          </div>
        }
      } @empty {
        <p class="muted">No friends yet. Add one on the Connect page.</p>
      }
      @if (error(); as message) { <p class="error" role="alert">{{ message }}</p> }
    </section>
  `,
  styles: `
    .friends { display: flex; flex-direction: column; gap: 8px; padding: 8px 16px; }
    h3 { margin: 0; font-size: 14px; color: var(--mat-sys-on-surface-variant); }
    .friend { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
    .friend.removing { opacity: .5; }
    .label { font: inherit; padding: 4px; }
    .key { color: var(--mat-sys-on-surface-variant); }
    .muted { color: var(--mat-sys-on-surface-variant); }
    .error { color: var(--mat-sys-error); }
    .confirm { border: 1px solid var(--mat-sys-outline-variant); border-radius: 8px; padding: 8px 12px; }
    .confirm p { margin: 0 0 4px; }
    .confirm .actions { display: flex; gap: 8px; justify-content: flex-end; }
    .danger { background: var(--mat-sys-error); color: var(--mat-sys-on-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FriendsView {
  readonly host = input.required<UiHost>();

  protected readonly friends = signal<FriendJson[]>([]);
  protected readonly propagate = signal(true);
  /** The friend whose removal waits for the user's yes. */
  protected readonly confirming = signal<number | null>(null);
  private readonly element: ElementRef<HTMLElement> = inject(ElementRef);
  private readonly injector = inject(Injector);
  protected readonly error = signal<string | null>(null);
  private readonly api = computed(() => new PairingApi(this.host()));
  private subscriptions: Disposable[] = [];

  constructor() {
    effect(() => {
      const host = this.host();
      untracked(() => {
        for (const s of this.subscriptions) s.dispose();
        const reload = () => void this.load();
        this.subscriptions = ['paired', 'friend-removed', 'friend-removing'].map((name) => host.on(name, reload));
        reload();
      });
    });
    inject(DestroyRef).onDestroy(() => this.subscriptions.forEach((s) => s.dispose()));
  }

  private async load(): Promise<void> {
    try {
      this.friends.set(await this.api().friends());
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  protected rename(friend: FriendJson, label: string): Promise<void> {
    return label.trim() && label.trim() !== friend.label ? this.update(friend, { label: label.trim() }) : Promise.resolve();
  }

  protected async update(friend: FriendJson, changes: { label?: string; verified?: boolean; auto_connect?: boolean }): Promise<void> {
    try {
      const updated = await this.api().update(friend.id, changes);
      this.friends.update((list) => list.map((f) => (f.id === updated.id ? updated : f)));
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  protected askToRemove(friend: FriendJson): void {
    this.propagate.set(true);
    this.confirming.set(friend.id);
    // Focus the safe answer, so Enter or a stray keypress does not remove anyone.
    afterNextRender(() => this.element.nativeElement.querySelector<HTMLElement>('[data-testid="remove-confirm"] [data-autofocus]')?.focus(), { injector: this.injector });
  }

  protected async remove(friend: FriendJson): Promise<void> {
    this.confirming.set(null);
    try {
      await this.api().remove(friend.id, this.propagate());
      await this.load();
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }
}
