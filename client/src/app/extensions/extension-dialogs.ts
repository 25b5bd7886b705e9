import { Injectable, Injector, effect, inject } from '@angular/core';
import { MatDialog, type MatDialogRef } from '@angular/material/dialog';
import { KithError, type SlotContext } from '@kith/sdk';
import { ExtensionsStore } from './extensions-store';

/** Largest result a dialog hands back, as JSON. */
const MAX_RESULT_CHARS = 64 * 1024;
/** How long after a click or key press a dialog may open (the browser's transient activation is about as long). */
const GESTURE_MS = 5000;

/**
 * The dialogs extensions open with `UiHost.openDialog`: one per extension at a time, only in
 * answer to the user (the page has transient user activation, which a click inside a view's
 * frame gives the page too), closed when the extension stops running.
 */
@Injectable({ providedIn: 'root' })
export class ExtensionDialogs {
  readonly #dialog = inject(MatDialog);
  readonly #extensions = inject(ExtensionsStore);
  readonly #open = new Map<string, { ref: MatDialogRef<unknown, unknown> | undefined; result: unknown }>();
  /** When the user last clicked or pressed a key in the page or in a view's frame. */
  #lastGesture = -Infinity;

  constructor() {
    const note = (event: Event) => event.isTrusted && this.noteGesture();
    document.addEventListener('pointerdown', note, { capture: true });
    document.addEventListener('keydown', note, { capture: true });
    // An extension turned off (or faulted, or another persona) takes its dialog with it.
    effect(
      () => {
        const running = new Set(this.#extensions.running().map((e) => e.id));
        for (const [id, open] of this.#open) if (!running.has(id)) open.ref?.close();
      },
      { injector: inject(Injector) },
    );
  }

  async open(extensionId: string, viewId: string, context: SlotContext | undefined): Promise<unknown> {
    const view = this.#extensions.viewsIn('dialog').find((v) => v.extension.id === extensionId && v.item.id === viewId);
    if (typeof viewId !== 'string' || !view) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Extension "${extensionId}" has no view "${String(viewId).slice(0, 80)}" in slot "dialog"`);
    }
    if (this.#open.has(extensionId)) throw new KithError('KITH_ERR_CONFLICT', 'A dialog of this extension is already open');
    if (!this.#userIsActing()) throw new KithError('KITH_ERR_FORBIDDEN', 'A dialog opens only in answer to the user (a click or a key press just before)');
    // Plain data only: what cannot be cloned throws here, at the caller.
    const data = context === undefined || context === null ? null : (structuredClone(context) as SlotContext);
    const entry: { ref: MatDialogRef<unknown, unknown> | undefined; result: unknown } = { ref: undefined, result: undefined };
    this.#open.set(extensionId, entry);
    try {
      // Loaded on first use: the dialog renders contributions, whose outlet builds UI hosts, which open dialogs.
      const { ExtensionDialog } = await import('./extension-dialog');
      entry.ref = this.#dialog.open(ExtensionDialog, {
        data: { view, context: data },
        autoFocus: 'first-heading',
        width: 'min(560px, 95vw)',
        maxWidth: '95vw',
        ariaLabel: `${view.extension.name}: ${view.item.title}`,
      });
      await new Promise<void>((resolve) => entry.ref!.afterClosed().subscribe(() => resolve()));
      return entry.result;
    } finally {
      this.#open.delete(extensionId);
    }
  }

  /** A click or key press in a view's frame (frame-main reports the trusted ones). */
  noteGesture(): void {
    this.#lastGesture = performance.now();
  }

  /**
   * Whether the user clicked or pressed a key a moment ago: both by the browser's own account
   * (transient activation, which a click in a frame gives the page too, and which no script can
   * forge) and by what the page and the frames saw (for browsers without `userActivation`).
   */
  #userIsActing(): boolean {
    const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
    return (activation === undefined || activation.isActive) && performance.now() - this.#lastGesture < GESTURE_MS;
  }

  /** The extension's own view asks to close its dialog with `result`. */
  close(extensionId: string, result: unknown): void {
    const open = this.#open.get(extensionId);
    if (!open?.ref) return;
    open.result = boundedCopy(result);
    open.ref.close();
  }
}

/** A clone of `value` when it is plain data of at most {@link MAX_RESULT_CHARS} as JSON; else undefined. */
function boundedCopy(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const json = JSON.stringify(value);
    if (json === undefined || json.length > MAX_RESULT_CHARS) return undefined;
    return structuredClone(value);
  } catch {
    return undefined;
  }
}
