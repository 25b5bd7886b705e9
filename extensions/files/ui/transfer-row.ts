import { ChangeDetectionStrategy, Component, ElementRef, computed, effect, inject, input, output, signal, untracked, viewChild, type OnDestroy } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { FilesApi, formatBytes, kindOf, type TransferJson } from './files-api';
import { openImageViewer } from './image-viewer';
import { attachMedia } from './live-media';
import { mightPreview, type OpenedPreview } from './media-preview';
import { ProgressMeter, progressLabel } from './transfer-progress';

/**
 * One file in a conversation: name, progress with rate and time left, pause/resume/cancel, and the
 * media inline (a picture opens at the size of the window; for a format the browser lacks, a
 * Preview the host converts), Save once it is all here.
 */
@Component({
  selector: 'files-transfer-row',
  imports: [MatButtonModule, MatProgressBarModule],
  template: `
    @let t = transfer();
    <div class="row" [attr.data-testid]="'transfer-' + t.transfer_id" [attr.data-state]="t.state">
      <div class="line">
        <span class="material-symbols-outlined" aria-hidden="true">{{ t.direction === 'in' ? 'download' : 'upload' }}</span>
        <span class="name" [title]="t.name">{{ t.name }}</span>
        <span class="size">{{ size() }}</span>
        @if (t.direction === 'out' && moving()) {
          <button mat-button type="button" data-testid="pause" (click)="togglePause()">{{ t.paused ? 'Resume' : 'Pause' }}</button>
        }
        @if (moving()) {
          <button mat-button type="button" data-testid="cancel" (click)="cancel()">Cancel</button>
        }
        @if (t.state === 'failed' || t.state === 'cancelled') {
          <button mat-button type="button" data-testid="remove" (click)="remove()">Remove</button>
        }
        @if (t.available && t.state === 'complete') {
          <button mat-button type="button" data-testid="save" [attr.aria-label]="'Save ' + t.name" (click)="save()">Save</button>
        }
        @if (offerPreview()) {
          <button mat-button type="button" data-testid="preview" [disabled]="converting()" (click)="showPreview()">{{ converting() ? 'Converting…' : 'Preview' }}</button>
        }
      </div>
      @if (moving()) {
        <mat-progress-bar mode="determinate" [value]="percent()" />
      }
      <div class="label" data-testid="progress-label">{{ label() }}</div>
      @if (preview(); as p) {
        @switch (p.kind) {
          @case ('image') {
            <button type="button" class="view-image" data-testid="view-image" [attr.aria-label]="'View ' + t.name + ' full size'" (click)="viewImage(p.url)">
              <img [src]="p.url" [alt]="t.name" data-testid="inline-preview" />
            </button>
          }
          @case ('audio') { <audio [src]="p.url" controls [attr.aria-label]="t.name" data-testid="inline-preview"></audio> }
          @case ('video') { <video [src]="p.url" controls muted playsinline [attr.aria-label]="t.name" data-testid="inline-preview"></video> }
        }
      } @else if (showMedia()) {
        @switch (kind()) {
          @case ('image') {
            <button type="button" class="view-image" data-testid="view-image" [attr.aria-label]="'View ' + t.name + ' full size'" (click)="viewImage(null)">
              <img #media [alt]="t.name" data-testid="inline-image" />
            </button>
          }
          @case ('audio') { <audio #media controls [attr.aria-label]="t.name" data-testid="inline-audio"></audio> }
          @case ('video') { <video #media controls muted playsinline [attr.aria-label]="t.name" data-testid="inline-video"></video> }
        }
      }
      @if (error(); as e) { <p class="error" role="alert">{{ e }}</p> }
    </div>
  `,
  styles: `
    .row { display: flex; flex-direction: column; gap: 4px; padding: 8px 12px; border-radius: 12px; background: var(--mat-sys-surface-container-low); }
    .line { display: flex; gap: 8px; align-items: center; }
    .name { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 500; }
    .size, .label { color: var(--mat-sys-on-surface-variant); font-size: 12px; }
    /* align-self: the row is a flex column, which would stretch a small image to its full width. */
    img, video, audio { align-self: flex-start; max-width: 100%; max-height: 360px; border-radius: 8px; }
    .view-image { align-self: flex-start; max-width: 100%; padding: 0; border: 0; background: none; border-radius: 8px; cursor: zoom-in; }
    .view-image img { display: block; }
    .view-image:focus-visible { outline: 2px solid var(--mat-sys-primary); outline-offset: 2px; }
    .error { color: var(--mat-sys-error); margin: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TransferRow implements OnDestroy {
  readonly transfer = input.required<TransferJson>();
  readonly api = input.required<FilesApi>();
  /** The user removed this (failed or cancelled) file from the device: the list drops the row. */
  readonly removed = output<string>();
  private readonly dialog = inject(MatDialog);
  private openingViewer = false;
  protected readonly error = signal<string | null>(null);
  private readonly mediaRef = viewChild<ElementRef<HTMLImageElement | HTMLMediaElement>>('media');
  private readonly meter = new ProgressMeter();
  private readonly tick = signal(0);
  private attachedTo: Element | undefined;
  /** The host's browser-friendly copy, once asked for (an object URL). */
  protected readonly preview = signal<OpenedPreview | null>(null);
  protected readonly converting = signal(false);
  /** The inline element could not play the file as it is. */
  private readonly unplayable = signal(false);
  private readonly previewSupported = signal(false);

  protected readonly kind = computed(() => kindOf(this.transfer().mime));
  protected readonly moving = computed(() => ['offered', 'active', 'held', 'uploading'].includes(this.transfer().state));
  protected readonly percent = computed(() => (this.transfer().size ? (100 * this.transfer().bytes_done) / this.transfer().size : 100));
  protected readonly size = computed(() => formatBytes(this.transfer().size));
  protected readonly label = computed(() => (this.tick(), progressLabel(this.transfer(), this.meter.rate())));
  /** Images once complete; audio and video while they arrive. */
  protected readonly showMedia = computed(() => {
    const t = this.transfer();
    if (!t.available || this.kind() === 'other') return false;
    if (t.state === 'complete') return true;
    // Audio and video from the moment the offer is here: the element's first Range request waits on the route, which asks the sender for those bytes first.
    return t.direction === 'in' && (t.state === 'active' || t.state === 'held') && this.kind() !== 'image';
  });

  /** A Preview button for media the browser cannot show itself: a TIFF, an AVI, AMR audio. */
  protected readonly offerPreview = computed(
    () => !this.preview() && this.previewSupported() && mightPreview(this.transfer()) && (this.kind() === 'other' || this.unplayable()),
  );

  constructor() {
    effect(() => {
      const api = this.api();
      untracked(() => api.canPreview().then((yes) => this.previewSupported.set(yes)));
    });
    effect(() => {
      const t = this.transfer();
      untracked(() => {
        this.meter.add(t.bytes_done);
        this.tick.update((n) => n + 1);
      });
    });
    effect(() => {
      const element = this.mediaRef()?.nativeElement;
      if (!element || element === this.attachedTo) return;
      this.attachedTo = element;
      const t = untracked(this.transfer);
      element.addEventListener('error', () => this.unplayable.set(true));
      untracked(() => attachMedia(this.api(), t, element).catch((e: Error) => this.error.set(e.message)));
    });
  }

  ngOnDestroy(): void {
    const p = this.preview();
    if (p) URL.revokeObjectURL(p.url);
  }

  protected showPreview(): void {
    this.converting.set(true);
    this.api()
      .preview(this.transfer())
      .then((p) => this.preview.set(p), (e: Error) => this.error.set(e.message))
      .finally(() => this.converting.set(false));
  }

  protected togglePause(): void {
    const t = this.transfer();
    this.api().pause(t, !t.paused).catch((e: Error) => this.error.set(e.message));
  }

  protected remove(): void {
    const t = this.transfer();
    this.api().remove(t).then(() => this.removed.emit(t.transfer_id), (e: Error) => this.error.set(e.message));
  }

  /** The picture at the size of the window; `url` is the preview's, else a fresh media URL is asked for. */
  protected async viewImage(url: string | null): Promise<void> {
    // A double click (or Enter twice) while the media URL is on its way opens one viewer.
    if (this.openingViewer) return;
    this.openingViewer = true;
    const t = this.transfer();
    try {
      openImageViewer(this.dialog, this.api(), t, url ?? (await this.api().mediaUrl(t)));
    } catch (e) {
      this.error.set((e as Error).message);
    } finally {
      this.openingViewer = false;
    }
  }

  protected save(): void {
    this.api().save(this.transfer()).catch((e: Error) => this.error.set(e.message));
  }

  protected cancel(): void {
    this.api().cancel(this.transfer()).catch((e: Error) => this.error.set(e.message));
  }
}
