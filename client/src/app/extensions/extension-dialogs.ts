import { Injectable, Injector, effect, inject } from '@angular/core';
import { FullscreenNotice } from '../frames/fullscreen-notice';
import { MatDialog, type MatDialogRef } from '@angular/material/dialog';
import { KithError, type SlotContext } from '@kith/sdk';
import { IdentityStore } from '../session/identity-store';
import type { ContributedView } from './extension-entry';
import { ExtensionsStore } from './extensions-store';

/** Largest result a dialog hands back, as JSON. */
const MAX_RESULT_CHARS = 64 * 1024;
/** How long after a click or key press a dialog may open (the browser's transient activation is about as long). */
const GESTURE_MS = 5000;
/**
 * After the user dismisses an extension's dialog, how long before it may open one again: at
 * least the activation the dismissing click gave, doubled with each dismissal in a row, so a
 * dialog that reopens itself cannot keep the user from the rest of Kith.
 */
const FIRST_QUIET_MS = 6000;
/** How long a third party's request waits for the page to learn that its frame has the focus, and how often it looks. */
const FOCUS_GRACE_MS = 300;
const FOCUS_POLL_MS = 15;
const MAX_QUIET_MS = 60_000;

interface OpenDialog {
  ref: MatDialogRef<unknown, unknown> | undefined;
  result: unknown;
  /** Closed by the extension itself (closeDialog) or by Kith (the extension stopped), not by the user. */
  closedByExtension: boolean;
  readonly persona: string | null;
}

/**
 * The dialogs extensions open with `UiHost.openDialog`: one per extension at a time; only in
 * answer to the user, in that extension's own UI (a third party's frame has the focus after a
 * click in it); quiet for a while after the user dismisses one; closed when the extension stops
 * or the persona changes.
 */
@Injectable({ providedIn: 'root' })
export class ExtensionDialogs {
  readonly #dialog = inject(MatDialog);
  readonly #fullscreen = inject(FullscreenNotice);
  readonly #extensions = inject(ExtensionsStore);
  readonly #identity = inject(IdentityStore);
  readonly #open = new Map<string, OpenDialog>();
  /** When the user last clicked or pressed a key in the page itself. */
  #pageGesture = -Infinity;
  /** When each extension's frames last reported a click or key press in them. */
  readonly #frameGestures = new Map<string, number>();
  /** Per extension: no dialog before this time, and how long the next quiet spell lasts. */
  readonly #quiet = new Map<string, { until: number; next: number }>();

  constructor() {
    const note = (event: Event) => {
      if (event.isTrusted) this.#pageGesture = performance.now();
    };
    document.addEventListener('pointerdown', note, { capture: true });
    document.addEventListener('keydown', note, { capture: true });
    // An extension turned off (or faulted), or another persona, takes its dialog with it.
    effect(
      () => {
        const running = new Set(this.#extensions.running().map((e) => e.id));
        const persona = this.#identity.active()?.slug ?? null;
        for (const [id, open] of this.#open) {
          if (running.has(id) && open.persona === persona) continue;
          open.closedByExtension = true;
          open.ref?.close();
        }
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
    // Plain data only: what cannot be cloned throws here, at the caller.
    const data = context === undefined || context === null ? null : (structuredClone(context) as SlotContext);
    const persona = this.#identity.active()?.slug ?? null;
    // Taken while the request waits to be judged: a second request meanwhile is the second dialog.
    const entry: OpenDialog = { ref: undefined, result: undefined, closedByExtension: false, persona };
    this.#open.set(extensionId, entry);
    try {
      if (!(await this.#userAskedSoon(view))) {
        throw new KithError('KITH_ERR_FORBIDDEN', 'A dialog opens only in answer to the user (a click or a key press in your view just before, and not right after the user closed one)');
      }
      // Loaded on first use: the dialog renders contributions, whose outlet builds UI hosts, which open dialogs.
      const { ExtensionDialog } = await import('./extension-dialog');
      // Turned off, or another persona, while the code loaded: nothing to show.
      if (!this.#extensions.running().some((e) => e.id === extensionId) || (this.#identity.active()?.slug ?? null) !== persona) return undefined;
      this.#fullscreen.leaveExtensionFullscreen();
      entry.ref = this.#dialog.open(ExtensionDialog, {
        data: { view, context: data },
        autoFocus: 'first-heading',
        width: 'min(560px, 95vw)',
        maxWidth: '95vw',
        ariaLabel: `${view.extension.name}: ${view.item.title}`,
      });
      await new Promise<void>((resolve) => entry.ref!.afterClosed().subscribe(() => resolve()));
      this.#afterClose(extensionId, entry.closedByExtension);
      return entry.result;
    } finally {
      this.#open.delete(extensionId);
    }
  }

  /** A click or key press in one of `extensionId`'s frames (frame-main reports the trusted ones). */
  noteGesture(extensionId: string): void {
    this.#frameGestures.set(extensionId, performance.now());
  }

  /** The extension's own view asks to close its dialog with `result`. */
  close(extensionId: string, result: unknown): void {
    const open = this.#open.get(extensionId);
    if (!open?.ref) return;
    open.result = boundedCopy(result);
    open.closedByExtension = true;
    open.ref.close();
  }

  /**
   * Whether the user just asked for `view`'s dialog: in Kith's page for a built-in, in one of its
   * own frames for a third party (see {@link userActedIn}); not in a quiet spell after a dismissal.
   */
  async #userAskedSoon(view: ContributedView): Promise<boolean> {
    if (this.#isQuiet(view.extension.id)) return false;
    return view.extension.builtin ? this.#actedInPage() : this.userActedIn(view.extension.id);
  }

  /**
   * Whether the user just acted in one of third-party `extensionId`'s frames: the browser's own
   * transient activation (no script can forge it; a click in a frame gives it to the page too), the
   * focus in one of its frames (where a click in it leaves it) and a click or key press that frame
   * reported within {@link GESTURE_MS}. The frame runs in a process of its own and its message
   * (sent in the click) can reach the page before the browser tells the page where the focus went:
   * given a reported click, the answer waits up to {@link FOCUS_GRACE_MS} for the focus.
   */
  async userActedIn(extensionId: string): Promise<boolean> {
    const deadline = performance.now() + FOCUS_GRACE_MS;
    while (!this.#actedInFrame(extensionId)) {
      // Without a click reported by the frame (it comes before the request) no focus makes it so.
      const clicked = performance.now() - (this.#frameGestures.get(extensionId) ?? -Infinity) < GESTURE_MS;
      if (!clicked || performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, FOCUS_POLL_MS));
    }
    return true;
  }

  #actedInFrame(extensionId: string): boolean {
    if (!pageActivated()) return false;
    const focused = document.activeElement;
    const inOwnFrame = focused instanceof HTMLIFrameElement && (focused.dataset['kithView'] ?? '').startsWith(`${extensionId}/`);
    return inOwnFrame && performance.now() - (this.#frameGestures.get(extensionId) ?? -Infinity) < GESTURE_MS;
  }

  #isQuiet(extensionId: string): boolean {
    return performance.now() < (this.#quiet.get(extensionId)?.until ?? -Infinity);
  }

  /** Whether the user just clicked or pressed a key in Kith's page itself (a built-in's UI), with the browser's activation. */
  #actedInPage(): boolean {
    return pageActivated() && performance.now() - this.#pageGesture < GESTURE_MS;
  }

  /** Dismissed by the user: quiet for a while, longer each time in a row; closed by the extension: no quiet. */
  #afterClose(extensionId: string, byExtension: boolean): void {
    if (byExtension) {
      this.#quiet.delete(extensionId);
      return;
    }
    const next = this.#quiet.get(extensionId)?.next ?? FIRST_QUIET_MS;
    this.#quiet.set(extensionId, { until: performance.now() + next, next: Math.min(MAX_QUIET_MS, next * 2) });
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

/** The browser's transient user activation of the page (true where the browser does not say). */
function pageActivated(): boolean {
  const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
  return activation === undefined || activation.isActive;
}
