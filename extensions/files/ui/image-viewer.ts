import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialog, MatDialogModule } from '@angular/material/dialog';
import type { FilesApi, TransferJson } from './files-api';

interface ImageViewerData {
  readonly transfer: TransferJson;
  readonly url: string;
  readonly api: FilesApi;
}

/**
 * A picture at the size of the window (the conversation shows it at most 420 × 360): opened from
 * the picture in the conversation, closed with Close, Escape or a click beside it, with Save.
 */
@Component({
  selector: 'files-image-viewer',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title class="name" [title]="data.transfer.name">{{ data.transfer.name }}</h2>
    <mat-dialog-content class="viewer">
      <img [src]="data.url" [alt]="data.transfer.name" data-testid="image-viewer-image" />
    </mat-dialog-content>
    @if (error(); as e) { <p class="error" role="alert">{{ e }}</p> }
    <mat-dialog-actions align="end">
      <button mat-button type="button" data-testid="image-viewer-save" (click)="save()">Save</button>
      <button mat-button type="button" mat-dialog-close data-testid="image-viewer-close">Close</button>
    </mat-dialog-actions>
  `,
  styles: `
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .viewer.mat-mdc-dialog-content { max-height: none; display: flex; justify-content: center; padding: 0 24px; }
    img { display: block; max-width: calc(95vw - 48px); max-height: calc(95vh - 160px); object-fit: contain; }
    .error { color: var(--mat-sys-error); margin: 0 24px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ImageViewer {
  protected readonly data = inject<ImageViewerData>(MAT_DIALOG_DATA);
  protected readonly error = signal<string | null>(null);

  protected save(): void {
    this.data.api.save(this.data.transfer).catch((e: Error) => this.error.set(e.message));
  }
}

/** Open `transfer` (a picture that is all here) in the viewer; `url` shows it (a media URL or a preview's object URL). */
export function openImageViewer(dialog: MatDialog, api: FilesApi, transfer: TransferJson, url: string): void {
  dialog.open(ImageViewer, {
    data: { transfer, url, api } satisfies ImageViewerData,
    maxWidth: '95vw',
    maxHeight: '95vh',
    ariaLabel: transfer.name,
    autoFocus: 'dialog',
  });
}
