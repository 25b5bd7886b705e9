import { ChangeDetectionStrategy, Component, inject, signal, type OnInit } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import { describeError } from '../api/api-error';
import type { ExtensionEntry } from '../extensions/extension-entry';
import { ExtensionsStore } from '../extensions/extensions-store';
import { IdentityStore } from '../session/identity-store';
import { PermissionConsent } from './permission-consent';

/** Every extension, with a per-persona on/off switch, its contributions and faulted state. */
@Component({
  selector: 'kith-extensions-page',
  imports: [DatePipe, MatCardModule, MatSlideToggleModule],
  templateUrl: './extensions-page.html',
  styleUrl: './extensions-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExtensionsPage implements OnInit {
  protected readonly store = inject(ExtensionsStore);
  protected readonly identity = inject(IdentityStore);
  readonly #snackBar = inject(MatSnackBar);
  readonly #dialog = inject(MatDialog);
  protected readonly busy = signal<string | null>(null);
  protected readonly loadError = signal<string | null>(null);

  async ngOnInit(): Promise<void> {
    try {
      await this.store.refresh();
    } catch (error) {
      this.loadError.set(describeError(error));
    }
  }

  protected async toggle(extension: ExtensionEntry, enabled: boolean, toggle?: { checked: boolean }): Promise<void> {
    this.busy.set(extension.id);
    try {
      if (enabled && extension.awaitingConsent && !(await this.#consents(extension))) {
        if (toggle) toggle.checked = false;
        return;
      }
      await this.store.setEnabled(extension.id, enabled);
      this.#snackBar.open(`${extension.name} turned ${enabled ? 'on' : 'off'} for ${this.identity.active()?.label ?? 'this persona'}`, undefined, { duration: 3000 });
    } catch (error) {
      this.#snackBar.open(`Could not change ${extension.name}: ${describeError(error)}`, undefined, { duration: 6000 });
    } finally {
      this.busy.set(null);
    }
  }

  async #consents(extension: ExtensionEntry): Promise<boolean> {
    const dialog = this.#dialog.open<PermissionConsent, ExtensionEntry, boolean>(PermissionConsent, {
      data: extension,
      autoFocus: 'first-heading',
      maxWidth: '95vw',
    });
    const answer = await new Promise<boolean | undefined>((resolve) => dialog.afterClosed().subscribe(resolve));
    return answer === true;
  }

  protected permissionList(extension: ExtensionEntry): string {
    return extension.permissions.map((p) => p.description.charAt(0).toLowerCase() + p.description.slice(1)).join('; ');
  }

  protected summary(extension: ExtensionEntry): string {
    const c = extension.contributes;
    const parts = [
      c.nav?.length ? `${c.nav.length} page${c.nav.length > 1 ? 's' : ''}` : '',
      c.views?.length ? `${c.views.length} view${c.views.length > 1 ? 's' : ''}` : '',
      c.peerActions?.length ? `${c.peerActions.length} peer action${c.peerActions.length > 1 ? 's' : ''}` : '',
      c.settings?.length ? `${c.settings.length} setting${c.settings.length > 1 ? 's' : ''}` : '',
      c.routes?.length ? `${c.routes.length} API route${c.routes.length > 1 ? 's' : ''}` : '',
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : 'No UI contributions';
  }
}
