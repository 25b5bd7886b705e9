import { Injectable, inject } from '@angular/core';
import { ExtensionsStore } from '../extensions/extensions-store';
import { shownExtensionName } from '../extensions/shown-extension-name';

/**
 * A third party's view may go full screen (a video player, a call), and full screen hides every
 * part of Kith around it: what it draws could then pass for Kith's own (an "unlock" screen asking
 * for the passphrase). While an extension's frame is full screen, the page shows a notice above it
 * in the browser's top layer, naming the extension and saying Kith asks for nothing there. Shown
 * after the frame entered the top layer, it stays above it (the frame's own requests, even for full
 * screen again, stay inside the frame); each change of the page's full-screen element shows it anew.
 */
@Injectable({ providedIn: 'root' })
export class FullscreenNotice {
  readonly #extensions = inject(ExtensionsStore);
  #notice: HTMLElement | undefined;

  start(): void {
    document.addEventListener('fullscreenchange', () => this.#update());
  }

  /**
   * Kith is about to show an extension's dialog or message: a third party's frame full screen
   * leaves it first, so nothing of Kith's own appears over what the frame draws (and nothing
   * covers the notice).
   */
  leaveExtensionFullscreen(): void {
    if (fullscreenExtension() !== null) void document.exitFullscreen().catch(() => undefined);
  }

  #update(): void {
    const id = fullscreenExtension();
    if (id === null) {
      this.#hide();
      return;
    }
    // A browser without the top layer for popovers cannot put the notice above the frame.
    if (!('showPopover' in HTMLElement.prototype)) {
      this.leaveExtensionFullscreen();
      return;
    }
    const notice = (this.#notice ??= createNotice());
    // Kith's words first: the name is the extension's choice ("Kith", a sentence), cut short and isolated.
    const name = document.createElement('bdi');
    name.textContent = shownExtensionName(this.#extensions.all(), id);
    // Shown again, it goes last in the top layer: above the element that just went full screen.
    if (notice.matches(':popover-open')) notice.hidePopover();
    notice.replaceChildren();
    notice.showPopover();
    // Filled once shown, so a screen reader announces it (a live region speaks changes it shows).
    requestAnimationFrame(() =>
      notice.replaceChildren('Not Kith: the extension “', name, '” is full screen. Kith never asks for your passphrase or recovery words here. Esc leaves full screen.'),
    );
  }

  #hide(): void {
    if (this.#notice?.matches(':popover-open')) this.#notice.hidePopover();
  }
}

/** The extension whose framed view (`data-kith-view="<extension>/<view>"`) is full screen, or null. */
function fullscreenExtension(): string | null {
  const element = document.fullscreenElement;
  if (!(element instanceof HTMLIFrameElement)) return null;
  const [extension, view] = (element.dataset['kithView'] ?? '').split('/');
  return extension && view ? extension : null;
}

function createNotice(): HTMLElement {
  const notice = document.createElement('div');
  notice.popover = 'manual';
  notice.className = 'kith-fullscreen-notice';
  notice.setAttribute('role', 'status');
  notice.dataset['testid'] = 'fullscreen-notice';
  document.body.append(notice);
  return notice;
}
