import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { DomSanitizer, type SafeHtml } from '@angular/platform-browser';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { UiHost } from '@kith/sdk';
import { PairingApi, lastRendezvousUrl, rememberRendezvousUrl, type PairedJson } from './pairing-api';

type Mode = 'generate' | 'join' | 'invite' | 'redeem';

/**
 * "Pair friend" (slot `home.sidebar`): generate a code (a number and four words, like
 * `37-apple-river-zebra-clock`) or join with one, or use an invite token / QR. While waiting, the
 * code stays on screen; a failed pairing spends the code, so it disappears with the error. When
 * paired, both people compare the safety code and can mark the friend verified.
 */
@Component({
  selector: 'pairing-pair-friend',
  imports: [MatButtonModule, MatButtonToggleModule, MatFormFieldModule, MatInputModule, MatProgressBarModule],
  template: `
    <section class="pair" data-testid="pair-friend">
      <h3>Pair with a code or an invite</h3>
      <mat-button-toggle-group [value]="mode()" (change)="setMode($event.value)" aria-label="How to pair">
        <mat-button-toggle value="generate">Generate code</mat-button-toggle>
        <mat-button-toggle value="join">Join with code</mat-button-toggle>
        <mat-button-toggle value="invite">Invite</mat-button-toggle>
        <mat-button-toggle value="redeem">Use invite</mat-button-toggle>
      </mat-button-toggle-group>

      @if (mode() !== 'redeem') {
        @if (sharedUrl() === null) {
          <mat-form-field appearance="outline">
            <mat-label>Rendezvous URL</mat-label>
            <input matInput [value]="url()" (input)="url.set($any($event.target).value)" placeholder="https://rendezvous.example" />
          </mat-form-field>
        } @else {
          <p class="muted shared-url" data-testid="pair-shared-url">
            @if (sharedUrl()) { Through {{ sharedUrl() }} (the rendezvous URL on this page). }
            @else { Enter the rendezvous URL on this page first. }
          </p>
        }
      }
      @if (mode() !== 'invite') {
        <mat-form-field appearance="outline">
          <mat-label>Friend's name</mat-label>
          <input matInput maxlength="64" [value]="label()" (input)="label.set($any($event.target).value)" />
        </mat-form-field>
      }
      @if (mode() === 'join') {
        <mat-form-field appearance="outline">
          <mat-label>Their code (number and four words)</mat-label>
          <input matInput autocomplete="off" placeholder="37 apple river zebra clock" [value]="typedCode()" (input)="typedCode.set($any($event.target).value)" />
        </mat-form-field>
      }
      @if (mode() === 'redeem') {
        <mat-form-field appearance="outline">
          <mat-label>Invite token</mat-label>
          <textarea matInput rows="3" [value]="token()" (input)="token.set($any($event.target).value)"></textarea>
        </mat-form-field>
      }

      <button mat-flat-button type="button" [disabled]="!canStart() || busy()" (click)="begin()">
        {{ mode() === 'generate' ? 'Generate code' : mode() === 'join' ? 'Join' : mode() === 'invite' ? 'Create invite' : 'Add friend' }}
      </button>

      @if (code(); as shown) {
        <p class="code" data-testid="pair-code">{{ shown }}</p>
        <p class="muted">Tell your friend the number and the four words. They choose "Join with code" and type them. The code works for one pairing.</p>
      }
      @if (qr(); as svg) {
        <div class="qr" [innerHTML]="svg"></div>
        <textarea class="token" readonly rows="3" [value]="inviteToken()"></textarea>
      }
      @if (busy()) {
        <mat-progress-bar mode="indeterminate" />
        <p class="muted">Waiting for your friend…</p>
      }
      @if (error(); as message) { <p class="error" role="alert">{{ message }}</p> }

      @if (paired(); as result) {
        <div class="done" data-testid="paired">
          <p>Paired with <strong>{{ result.friend.label }}</strong>.</p>
          <p>Compare this safety code with your friend (call or in person):</p>
          <p class="safety" data-testid="safety-code">{{ result.safety_code }}</p>
          @if (result.friend.verified) {
            <p class="ok">Verified</p>
          } @else {
            <button mat-stroked-button type="button" (click)="markVerified(result)">The codes match: mark verified</button>
          }
        </div>
      }
    </section>
  `,
  styles: `
    .pair { display: flex; flex-direction: column; gap: 8px; padding: 8px 16px; }
    h3 { margin: 0; font-size: 14px; color: var(--mat-sys-on-surface-variant); }
    /* Four modes do not fit one row: two rows of two whose labels wrap, never clipped (360 px phones). */
    mat-button-toggle-group { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); border-radius: 16px; max-width: 100%; }
    mat-button-toggle { min-width: 0; }
    :host ::ng-deep .mat-button-toggle-label-content { white-space: normal; line-height: 1.25; padding: 8px 10px; }
    :host ::ng-deep .mat-button-toggle-button { height: 100%; }
    .shared-url { overflow-wrap: anywhere; }
    .code { font-size: 22px; font-weight: 600; letter-spacing: .5px; margin: 8px 0 0; }
    .safety { font-size: 26px; font-family: monospace; margin: 0; }
    .qr { width: 200px; }
    .token { width: 100%; font-family: monospace; font-size: 11px; }
    .muted { color: var(--mat-sys-on-surface-variant); margin: 0; }
    .error { color: var(--mat-sys-error); }
    .ok { color: var(--mat-sys-tertiary); font-weight: 600; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PairFriendView {
  readonly host = input.required<UiHost>();
  readonly peer = input<string | null>(null);

  protected readonly mode = signal<Mode>('generate');
  protected readonly url = signal(lastRendezvousUrl());
  protected readonly label = signal('');
  protected readonly typedCode = signal('');
  protected readonly token = signal('');
  protected readonly code = signal<string | null>(null);
  protected readonly qr = signal<SafeHtml | null>(null);
  protected readonly inviteToken = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly paired = signal<PairedJson | null>(null);
  private readonly sanitizer = inject(DomSanitizer);
  /**
   * The shell's one rendezvous URL when this view sits on its Connect page (null elsewhere): the
   * shell offers it as <html data-kith-rendezvous-url> and the window event kith:rendezvous-url.
   */
  protected readonly sharedUrl = signal<string | null>(readSharedUrl());
  private readonly effectiveUrl = computed(() => this.sharedUrl() ?? this.url());
  private readonly api = computed(() => new PairingApi(this.host()));

  constructor() {
    const follow = () => this.sharedUrl.set(readSharedUrl());
    window.addEventListener('kith:rendezvous-url', follow);
    inject(DestroyRef).onDestroy(() => window.removeEventListener('kith:rendezvous-url', follow));
  }

  protected readonly canStart = computed(() => {
    switch (this.mode()) {
      case 'generate':
        return this.effectiveUrl().trim().length > 0;
      case 'join':
        return this.effectiveUrl().trim().length > 0 && this.typedCode().trim().length > 0;
      case 'invite':
        return this.effectiveUrl().trim().length > 0;
      case 'redeem':
        return this.token().trim().length > 0;
    }
  });

  protected setMode(mode: Mode): void {
    this.mode.set(mode);
    this.code.set(null);
    this.qr.set(null);
    this.error.set(null);
    this.paired.set(null);
  }

  protected async begin(): Promise<void> {
    this.error.set(null);
    this.paired.set(null);
    this.code.set(null);
    this.qr.set(null);
    const url = this.effectiveUrl().trim();
    const label = this.label().trim();
    try {
      if (this.mode() !== 'redeem') rememberRendezvousUrl(url);
      let result: PairedJson;
      this.busy.set(true);
      if (this.mode() === 'generate' || this.mode() === 'join') {
        const typed = this.mode() === 'join' ? this.typedCode() : undefined;
        const { code } = await this.api().start(url, label, typed);
        this.code.set(code);
        result = await this.api().wait(url, code, label);
      } else if (this.mode() === 'invite') {
        const invite = await this.api().invite(url);
        this.qr.set(this.sanitizer.bypassSecurityTrustHtml(invite.qr_svg));
        this.inviteToken.set(invite.token);
        result = await this.api().wait(url, invite.code, label);
      } else {
        result = await this.api().redeem(this.token().trim(), label);
      }
      this.paired.set(result);
      this.code.set(null);
      this.qr.set(null);
    } catch (error) {
      // A failed pairing spends its code (someone may have tried a guess): never show it again.
      this.code.set(null);
      this.qr.set(null);
      this.error.set((error as Error).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async markVerified(result: PairedJson): Promise<void> {
    try {
      const friend = await this.api().update(result.friend.id, { verified: true });
      this.paired.set({ ...result, friend });
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }
}

function readSharedUrl(): string | null {
  return document.documentElement.getAttribute('data-kith-rendezvous-url');
}
