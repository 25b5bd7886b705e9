import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { SlotContext, UiHost } from '@kith/sdk';
import { FilesApi, formatBytes } from './files-api';

/** The attach button next to the composer (slot `chat.composer-actions`, context `{ peer }`). */
@Component({
  selector: 'files-attach-button',
  imports: [MatButtonModule, MatTooltipModule],
  template: `
    <input #picker type="file" multiple hidden data-testid="files-attach-input" (change)="picked(picker)" />
    <button mat-icon-button type="button" matTooltip="Attach a file" aria-label="Attach a file" data-testid="files-attach" (click)="picker.click()">
      <span class="material-symbols-outlined" aria-hidden="true">attach_file</span>
    </button>
    @if (uploading(); as u) { <span class="uploading" data-testid="files-uploading">{{ u }}</span> }
  `,
  styles: `
    :host { display: inline-flex; align-items: center; }
    .uploading { font-size: 12px; color: var(--mat-sys-on-surface-variant); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AttachButton {
  readonly host = input.required<UiHost>();
  readonly context = input<SlotContext | null>(null);
  protected readonly uploading = signal<string | null>(null);
  private readonly api = computed(() => new FilesApi(this.host()));

  protected async picked(picker: HTMLInputElement): Promise<void> {
    const peer = (this.context() as { peer?: string } | null)?.peer;
    const files = [...(picker.files ?? [])];
    picker.value = '';
    if (!peer) return;
    for (const file of files) {
      try {
        await this.api().send(peer, file, (sent) => this.uploading.set(`Sealing ${file.name}: ${formatBytes(sent)} of ${formatBytes(file.size)}`));
      } catch (error) {
        this.host().notify(`${file.name}: ${(error as Error).message}`);
      }
    }
    this.uploading.set(null);
  }
}
