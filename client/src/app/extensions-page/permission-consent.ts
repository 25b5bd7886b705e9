import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatButtonModule } from '@angular/material/button';
import type { ExtensionEntry } from '../extensions/extension-entry';

/**
 * Asked before a third-party extension that lists permissions runs for the first time (or a new
 * version asks for more): turning it on is the grant. Closes with true to allow.
 */
@Component({
  selector: 'kith-permission-consent',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title tabindex="-1">Turn on {{ data.name }}?</h2>
    <mat-dialog-content>
      <p>{{ data.name }} <span class="muted">({{ data.id }} v{{ data.version }}, installed by you, not part of Kith)</span> asks to:</p>
      <ul data-testid="consent-permissions">
        @for (permission of data.permissions; track permission.id) { <li>{{ permission.description }}</li> }
      </ul>
      <p class="muted">Allow it only if you trust whoever wrote it. You can turn it off here at any time.</p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" [mat-dialog-close]="false">Keep it off</button>
      <button mat-flat-button type="button" [mat-dialog-close]="true" data-testid="consent-allow">Allow and turn on</button>
    </mat-dialog-actions>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PermissionConsent {
  protected readonly data = inject<ExtensionEntry>(MAT_DIALOG_DATA);
}
