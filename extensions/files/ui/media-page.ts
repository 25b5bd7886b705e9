import { ChangeDetectionStrategy, Component, ElementRef, Injector, afterNextRender, computed, effect, inject, input, signal, untracked, viewChild, type OnDestroy } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { Disposable, UiHost } from '@kith/sdk';
import { FilesApi, formatBytes, kindOf, type TransferJson } from './files-api';
import { mightPreview } from './media-preview';

/**
 * The Media page (slot `page`, route `media`): every attachment of the persona, newest first,
 * filtered by friend and type; open (decrypted on demand, inline for images, audio and video,
 * as the host's preview when the browser cannot show the format), save, delete.
 */
@Component({
  selector: 'files-media-page',
  imports: [MatButtonModule],
  template: `
    <div class="page" data-testid="media-page">
      <h1>Media</h1>
      <div class="filters">
        <label>Friend
          <select data-testid="media-friend" (change)="friend.set($any($event.target).value)">
            <option value="">Everyone</option>
            @for (f of friends(); track f.peer) { <option [value]="f.peer">{{ f.label }}</option> }
          </select>
        </label>
        <label>Type
          <select data-testid="media-type" (change)="type.set($any($event.target).value)">
            <option value="">All</option><option value="image">Images</option><option value="video">Video</option>
            <option value="audio">Audio</option><option value="other">Other</option>
          </select>
        </label>
      </div>
      @if (error(); as e) { <p class="error" role="alert">{{ e }}</p> }
      @if (items(); as list) {
        @if (list.length === 0) {
          <p class="muted" data-testid="media-empty">{{ filtered() && anyAtAll() ? 'No attachments match these filters.' : 'No attachments yet.' }}</p>
        }
      }
      <ul class="items">
        @for (m of items() ?? []; track m.transfer_id) {
          <li [attr.data-testid]="'media-' + m.transfer_id">
            <div class="line">
              <span class="material-symbols-outlined" aria-hidden="true">{{ icon(m) }}</span>
              <span class="name" [title]="m.name">{{ m.name }}</span>
              <span class="muted">{{ m.peer_label ?? '' }} · {{ size(m) }} · {{ when(m) }}{{ m.state === 'complete' ? '' : ' · ' + m.state }}</span>
              @if (m.available && !showable(m)) { <span class="muted" data-testid="media-not-shown">· Kith does not show this type: Save it</span> }
              <span class="grow"></span>
              @if (confirming() === m.transfer_id) {
                <span class="confirm" role="group" [attr.aria-labelledby]="'media-confirm-' + m.transfer_id" (keydown.escape)="keep(m)">
                  <span [id]="'media-confirm-' + m.transfer_id">Delete from this device?</span>
                  <button mat-button type="button" #keepButton data-testid="media-delete-cancel" (click)="keep(m)">Cancel</button>
                  <button mat-flat-button type="button" class="danger" data-testid="media-delete-confirm" (click)="remove(m)">Delete</button>
                </span>
              } @else {
                @if (m.available) {
                  @if (showable(m)) { <button mat-button type="button" data-testid="media-open" (click)="open(m)">Open</button> }
                  <button mat-button type="button" data-testid="media-save" (click)="save(m)">Save</button>
                }
                <button mat-button type="button" data-testid="media-delete" (click)="confirming.set(m.transfer_id)">Delete</button>
              }
            </div>
            @if (converting() === m.transfer_id) { <p class="muted" data-testid="media-converting">Making a preview this browser can show…</p> }
            @if (opened(); as o) {
              @if (o.id === m.transfer_id) {
                @switch (o.kind) {
                  @case ('image') { <img [src]="o.url" [alt]="m.name" data-testid="media-preview" [attr.data-converted]="o.converted" (error)="failed(m)" /> }
                  @case ('video') { <video [src]="o.url" controls [attr.aria-label]="m.name" data-testid="media-preview" [attr.data-converted]="o.converted" (error)="failed(m)"></video> }
                  @case ('audio') { <audio [src]="o.url" controls [attr.aria-label]="m.name" data-testid="media-preview" [attr.data-converted]="o.converted" (error)="failed(m)"></audio> }
                }
              }
            }
          </li>
        }
      </ul>
    </div>
  `,
  styles: `
    .page { display: flex; flex-direction: column; gap: 12px; padding: 16px; max-width: 1000px; }
    h1 { margin: 0; }
    .filters { display: flex; gap: 16px; }
    .items { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 4px; }
    li { display: flex; flex-direction: column; gap: 6px; padding: 6px 8px; border-radius: 8px; background: var(--mat-sys-surface-container-low); }
    .line, .confirm { display: flex; gap: 8px; align-items: center; }
    .danger { --mat-button-filled-container-color: var(--mat-sys-error); --mat-button-filled-label-text-color: var(--mat-sys-on-error); }
    .name { font-weight: 500; max-width: 40%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .grow { flex: 1; }
    .muted { color: var(--mat-sys-on-surface-variant); font-size: 12px; }
    /* align-self: the row is a flex column, which would stretch a small image past its natural size. */
    img, video, audio { align-self: flex-start; max-width: 100%; max-height: 480px; border-radius: 8px; }
    p { margin: 0; }
    .error { color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MediaPage implements OnDestroy {
  readonly host = input.required<UiHost>();
  protected readonly api = computed(() => new FilesApi(this.host()));
  protected readonly friend = signal('');
  protected readonly type = signal('');
  /** null until the first answer (no "No attachments yet" flashing before it). */
  protected readonly items = signal<readonly TransferJson[] | null>(null);
  protected readonly filtered = computed(() => this.friend() !== '' || this.type() !== '');
  /** Whether the persona has any attachment at all, whatever the filters: "none match" or "none yet". */
  protected readonly anyAtAll = signal(false);
  protected readonly friends = signal<readonly { peer: string; label: string }[]>([]);
  /** What is open: the file itself through a media URL, or a preview the host converted (an object URL). */
  protected readonly opened = signal<{ id: string; url: string; kind: 'image' | 'audio' | 'video'; converted: boolean } | null>(null);
  protected readonly converting = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  /** The row whose Delete waits for an answer in the page. */
  protected readonly confirming = signal<string | null>(null);
  private readonly keepButton = viewChild('keepButton', { read: ElementRef<HTMLButtonElement> });
  private readonly previewSupported = signal(false);
  private readonly element = inject(ElementRef<HTMLElement>);
  private readonly injector = inject(Injector);
  private subscription: Disposable | undefined;
  /** The newest list asked for: an older answer arriving late never replaces it. */
  private loads = 0;

  constructor() {
    // Cancel has the focus: a stray Enter deletes nothing.
    effect(() => this.keepButton()?.nativeElement.focus());
    effect(() => {
      const api = this.api();
      untracked(() => api.canPreview().then((yes) => this.previewSupported.set(yes)));
    });
    effect(() => {
      const host = this.host();
      const filter = { peer: this.friend() || undefined, type: this.type() || undefined };
      untracked(() => {
        this.subscription?.dispose();
        this.subscription = host.on('transfer', () => this.load(filter));
        this.load(filter);
        host.request<{ friends?: Array<{ peer?: string; master_pubkey?: string; label: string }> } | Array<{ peer?: string; master_pubkey?: string; label: string }>>('GET', '/friends')
          .then((answer) => {
            const list = Array.isArray(answer) ? answer : (answer.friends ?? []);
            this.friends.set([{ peer: 'self', label: 'Notes to self' }, ...list.map((f) => ({ peer: f.peer ?? f.master_pubkey ?? '', label: f.label }))]);
          }, () => undefined);
      });
    });
  }

  ngOnDestroy(): void {
    this.subscription?.dispose();
    this.close();
  }

  private async load(filter: { peer?: string; type?: string }): Promise<void> {
    const mine = ++this.loads;
    try {
      const { items } = await this.api().media(filter);
      const filtered = filter.peer !== undefined || filter.type !== undefined;
      const any = items.length > 0 || (filtered && (await this.api().media()).items.length > 0);
      if (mine !== this.loads) return;
      this.anyAtAll.set(any);
      this.items.set(items);
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  /** Whether Open can show it here (inline, or as the host's preview); anything else is only saved, never rendered. */
  protected showable(m: TransferJson): boolean {
    return kindOf(m.mime) !== 'other' || (mightPreview(m) && this.previewSupported());
  }

  protected icon(m: TransferJson): string {
    return { image: 'image', video: 'movie', audio: 'music_note', other: 'description' }[kindOf(m.mime)];
  }
  protected size(m: TransferJson): string {
    return formatBytes(m.size);
  }
  protected when(m: TransferJson): string {
    return new Date(m.created_at).toLocaleString();
  }

  /**
   * Decrypted on demand: the element (or the download) reads the stream route through a media URL,
   * in ranges. A file the browser cannot show as it is (a TIFF, an AVI) opens as the host's preview.
   */
  protected async open(m: TransferJson): Promise<void> {
    this.close();
    try {
      const kind = kindOf(m.mime);
      if (kind !== 'other') this.opened.set({ id: m.transfer_id, url: await this.api().mediaUrl(m), kind, converted: false });
      else if (mightPreview(m) && (await this.api().canPreview())) await this.showPreview(m);
      // Never rendered as a page (HTML, SVG): such a file has only Save.
      else this.error.set(`Kith does not show ${m.name}; Save it to open it in another program`);
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  /** The element could not play the file as it is (a format this browser lacks): ask for a preview. */
  protected async failed(m: TransferJson): Promise<void> {
    const current = this.opened();
    if (current?.id !== m.transfer_id || current.converted) return;
    if (!mightPreview(m) || !(await this.api().canPreview())) {
      this.error.set(`This browser cannot show ${m.name}; Save it to open it in another program`);
      return;
    }
    await this.showPreview(m).catch((error: Error) => this.error.set(error.message));
  }

  private async showPreview(m: TransferJson): Promise<void> {
    this.converting.set(m.transfer_id);
    try {
      const preview = await this.api().preview(m);
      this.close();
      this.opened.set({ id: m.transfer_id, url: preview.url, kind: preview.kind, converted: true });
    } finally {
      this.converting.set(null);
    }
  }

  private close(): void {
    const current = this.opened();
    if (current?.converted) URL.revokeObjectURL(current.url);
    this.opened.set(null);
  }

  protected async save(m: TransferJson): Promise<void> {
    try {
      await this.api().save(m);
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  /** Not deleted after all: the focus goes back to the row's Delete. */
  protected keep(m: TransferJson): void {
    this.confirming.set(null);
    afterNextRender(() => this.rowButton(m, 'media-delete')?.focus(), { injector: this.injector });
  }

  protected async remove(m: TransferJson): Promise<void> {
    this.confirming.set(null);
    try {
      await this.api().remove(m);
      this.items.update((list) => list?.filter((x) => x.transfer_id !== m.transfer_id) ?? null);
      // The last one gone: whether any are left elsewhere decides "none match" or "none yet".
      if (this.items()?.length === 0) void this.load({ peer: this.friend() || undefined, type: this.type() || undefined });
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  private rowButton(m: TransferJson, testId: string): HTMLElement | null {
    return (this.element.nativeElement as HTMLElement).querySelector(`[data-testid="media-${m.transfer_id}"] [data-testid="${testId}"]`);
  }
}
