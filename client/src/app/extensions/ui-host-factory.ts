import { ApplicationRef, EnvironmentInjector, Injectable, Injector, createComponent, inject, type ComponentRef } from '@angular/core';
import { FullscreenNotice } from '../frames/fullscreen-notice';
import { Router } from '@angular/router';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Disposable, KithError, type PersonaInfo, type SlotContext, type SlotEntry, type UiHost } from '@kith/sdk';
import { ApiClient } from '../api/api-client';
import { Realtime } from '../realtime/realtime';
import { IdentityStore } from '../session/identity-store';
import { ExtensionsStore } from './extensions-store';
import { SlotEntries } from './slot-entries';
import { ExtensionDialogs } from './extension-dialogs';
import { shownExtensionName } from './shown-extension-name';

/** The most of a notification's text shown (a frame's is cut at 500 before it gets here). */
const MAX_NOTIFY_CHARS = 500;
/** The least time between two desktop notifications of one third-party extension. */
const DESKTOP_NOTIFY_GAP_MS = 5000;

/**
 * Builds the {@link UiHost} each contributed view receives, scoped to its extension: its events
 * are namespaced `<ext-id>:<name>` on the page's one socket, its API calls carry the launch secret.
 * One host per extension id, so a view re-created by a route change keeps the same object.
 */
@Injectable({ providedIn: 'root' })
export class UiHostFactory {
  readonly #api = inject(ApiClient);
  readonly #realtime = inject(Realtime);
  readonly #router = inject(Router);
  readonly #snackBar = inject(MatSnackBar);
  readonly #identity = inject(IdentityStore);
  readonly #extensions = inject(ExtensionsStore);
  readonly #appRef = inject(ApplicationRef);
  readonly #injector = inject(EnvironmentInjector);
  readonly #entries = inject(SlotEntries);
  readonly #lookup = inject(Injector);
  readonly #fullscreen = inject(FullscreenNotice);
  readonly #hosts = new Map<string, UiHost>();
  /** When each extension last showed a desktop notification. */
  readonly #desktopShown = new Map<string, number>();

  forExtension(extensionId: string): UiHost {
    let host = this.#hosts.get(extensionId);
    if (!host) this.#hosts.set(extensionId, (host = this.#create(extensionId)));
    return host;
  }

  /** Drop cached hosts (persona switch: `persona` must change). */
  reset(): void {
    this.#hosts.clear();
  }

  #create(extensionId: string): UiHost {
    const api = this.#api;
    const realtime = this.#realtime;
    const identity = this.#identity;
    const router = this.#router;
    const snackBar = this.#snackBar;
    return {
      extensionId,
      get persona(): PersonaInfo {
        const p = identity.active();
        return { slug: p?.slug ?? '', label: p?.label ?? '', peerId: p?.peerId ?? '', masterPublicKey: p?.masterPublicKey ?? '' };
      },
      fetch: (path, init) => api.fetch(path, init),
      request: (method, path, body) => api.request(method, path, body),
      mediaUrl: async (path) => (await api.request<{ url: string }>('POST', '/media-url', { path })).url,
      on: (name, handler) => new Disposable(realtime.on(`${extensionId}:${name}`, handler)),
      onHostEvent: (name, handler) => new Disposable(realtime.on(name, handler)),
      emit: (name, payload) => realtime.emit(`${extensionId}:${name}`, payload),
      navigate: (route) => void router.navigateByUrl(route.startsWith('/') ? route : `/${route}`),
      notify: (message, action) => {
        this.#fullscreen.leaveExtensionFullscreen();
        const all = this.#extensions.all();
        const from = shownExtensionName(all, extensionId);
        // A third party's words are headed with its name: "Kith is locked" from an extension
        // must not read as Kith's own. Built-ins are Kith.
        const builtin = all.find((e) => e.id === extensionId)?.builtin === true;
        const text = String(message).slice(0, MAX_NOTIFY_CHARS);
        // Kith's words first: a name can be "Kith" itself.
        const ref = snackBar.open(builtin ? text : `Extension “${from}”: ${text}`, action?.label, { duration: action ? 8000 : 4000 });
        if (action) ref.onAction().subscribe(() => action.run());
        // The page in the background: a desktop notification too, as chat gives for a message,
        // so an extension's news reaches the user wherever its view is (clicking it runs the action).
        // A third party's at most one per few seconds: a loop of them would flood the desktop.
        const now = performance.now();
        if (builtin || now - (this.#desktopShown.get(extensionId) ?? -Infinity) >= DESKTOP_NOTIFY_GAP_MS) {
          if (desktopNotification(builtin ? from : `Extension “${from}”`, text, () => action?.run())) this.#desktopShown.set(extensionId, now);
        }
      },
      renderSlot: (container, slot, context) => this.#renderSlot(extensionId, container, slot, context),
      watchSlotEntries: (slot, context, onEntries) => {
        this.#checkSlot(extensionId, slot, true);
        if (typeof onEntries !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', 'watchSlotEntries needs a function to call with the entries');
        return new Disposable(this.#entries.watch(slot, plainCopy(context) ?? {}, onEntries));
      },
      renderSlotEntry: (container, slot, entry, context) => this.#renderSlot(extensionId, container, slot, context, entry),
      // Looked up at the call: the dialogs service needs MatDialog, which not every page loads.
      openDialog: <T>(viewId: string, context?: SlotContext) => this.#lookup.get(ExtensionDialogs).open(extensionId, viewId, context) as Promise<T | undefined>,
      closeDialog: (result) => this.#lookup.get(ExtensionDialogs).close(extensionId, result),
      // Scoped like its events: a view can only open its own extension's channels this way.
      openChannel: (name) => realtime.openChannel(extensionId, name),
    };
  }

  /**
   * An open slot of `extensionId` inside `container`. The slot outlet's code is loaded on first
   * use (it renders contributions, and the outlet that renders contributions builds UI hosts).
   */
  #renderSlot(extensionId: string, container: HTMLElement, slot: string, context?: SlotContext, entry?: SlotEntry): Disposable {
    if (!(container instanceof HTMLElement)) throw new KithError('KITH_ERR_BAD_REQUEST', 'renderSlot needs an element to render into');
    this.#checkSlot(extensionId, slot, entry !== undefined);
    const only = entry === undefined ? null : entryView(entry);
    // Plain data only: what cannot be cloned throws here, at the caller, not in a contributor.
    const copied = plainCopy(context);
    const data = only ? { ...copied, entry: only.id } : copied;
    const element = document.createElement('kith-slot-outlet');
    element.dataset['kithSlot'] = slot;
    container.appendChild(element);
    let ref: ComponentRef<unknown> | undefined;
    let disposed = false;
    void import('./slot-outlet').then(({ SlotOutlet }) => {
      if (disposed) return;
      ref = createComponent(SlotOutlet, { environmentInjector: this.#injector, hostElement: element });
      ref.setInput('slot', slot);
      ref.setInput('only', only && `${only.extension}/${only.view}`);
      ref.setInput('context', data);
      this.#appRef.attachView(ref.hostView);
    });
    return new Disposable(() => {
      disposed = true;
      ref?.destroy();
      element.remove();
    });
  }

  /** Throws unless `slot` is one `extensionId` opens (as a slot of entries, when `ofEntries`). */
  #checkSlot(extensionId: string, slot: string, ofEntries: boolean): void {
    if (typeof slot !== 'string' || !slot.startsWith(`${extensionId}.`) || !this.#extensions.opensSlot(extensionId, slot, ofEntries)) {
      const what = ofEntries ? 'slot of entries' : 'slot';
      throw new KithError('KITH_ERR_BAD_REQUEST', `Extension "${extensionId}" does not open ${what} "${String(slot).slice(0, 80)}" (contributes.slots)`);
    }
  }
}

/** A structured-clone copy of a slot context (plain data only: anything else throws here, at the caller). */
function plainCopy(context: SlotContext | undefined): SlotContext | null {
  return context === undefined || context === null ? null : (structuredClone(context) as SlotContext);
}

/** The parts of an entry that pick its view: checked, since the owner may hand anything. */
function entryView(entry: SlotEntry): { extension: string; view: string; id: string } {
  const { extension, view, id } = (entry ?? {}) as Partial<SlotEntry>;
  if (typeof extension !== 'string' || typeof view !== 'string' || typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'renderSlotEntry needs an entry from watchSlotEntries');
  }
  return { extension, view, id };
}

/** A desktop notification while the page is hidden and the user allowed them (chat asks); else nothing. Returns whether one was shown. */
function desktopNotification(title: string, body: string, onClick: () => void): boolean {
  if (typeof document === 'undefined' || document.visibilityState !== 'hidden') return false;
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  try {
    const notification = new Notification(title, { body: body.slice(0, 140) });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
    return true;
  } catch {
    // Some platforms allow notifications only from a service worker: the snackbar remains.
    return false;
  }
}
