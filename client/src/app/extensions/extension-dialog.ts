import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatButtonModule } from '@angular/material/button';
import type { SlotContext } from '@kith/sdk';
import { ContributionOutlet } from './contribution-outlet';
import type { ContributedView } from './extension-entry';

export interface ExtensionDialogData {
  readonly view: ContributedView;
  readonly context: SlotContext | null;
}

/**
 * An extension's view in a modal dialog (`UiHost.openDialog`): titled with the extension's name
 * and the view's title, and a third party's marked as an extension's window (its name is its
 * author's choice, "Kith" too), so what it shows is never taken for Kith's own; Close (and
 * Escape, and a click beside it) always closes it, whatever the view does.
 */
@Component({
  selector: 'kith-extension-dialog',
  imports: [MatDialogModule, MatButtonModule, ContributionOutlet],
  template: `
    @if (!data.view.extension.builtin) {
      <p class="origin" data-testid="extension-dialog-origin"><span class="material-symbols-outlined" aria-hidden="true">extension</span>An extension's window, not Kith's own</p>
    }
    <h2 mat-dialog-title tabindex="-1" data-testid="extension-dialog-title">{{ data.view.extension.name }}<span class="view-title">: {{ data.view.item.title }}</span></h2>
    <mat-dialog-content [attr.data-dialog-of]="data.view.extension.id">
      <kith-contribution-outlet [view]="data.view" [context]="data.context" />
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close data-testid="extension-dialog-close">Close</button>
    </mat-dialog-actions>
  `,
  styles: `
    .view-title { color: var(--mat-sys-on-surface-variant); font-weight: normal; }
    .origin { display: flex; align-items: center; gap: 4px; margin: 16px 24px 0; font-size: 12px; color: var(--mat-sys-on-surface-variant); }
    .origin .material-symbols-outlined { font-size: 16px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExtensionDialog {
  protected readonly data = inject<ExtensionDialogData>(MAT_DIALOG_DATA);
}
