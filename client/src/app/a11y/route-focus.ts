import { Injectable, inject } from '@angular/core';
import { NavigationEnd, Router } from '@angular/router';
import { filter } from 'rxjs';

/** How long to wait for a lazily loaded page to render its focus target. */
const WAIT_MS = 2_000;

/**
 * Moves keyboard focus after a route change, so a screen reader or keyboard user starts at the new
 * page and not on the link they left: to the page's `[data-autofocus]` field when it has a visible
 * one (the login passphrase), else to its h1, else to `<main>`. A change of query parameters only
 * (opening another conversation) keeps focus where it is.
 */
@Injectable({ providedIn: 'root' })
export class RouteFocus {
  readonly #router = inject(Router);
  #lastPath: string | null = null;

  start(): void {
    this.#router.events.pipe(filter((e): e is NavigationEnd => e instanceof NavigationEnd)).subscribe((e) => {
      const path = e.urlAfterRedirects.split(/[?#]/)[0]!;
      if (path === this.#lastPath) return;
      const first = this.#lastPath === null;
      this.#lastPath = path;
      // On the first load the page starts at the top (skip link first), except for a form to fill.
      void focusPage(document, first);
    });
  }
}

/**
 * Focus the page's best target once it exists (pages load lazily and render in steps). `root` may
 * be a function, asked again on each look: where to look can change while the page renders.
 */
export async function focusPage(root: ParentNode | (() => ParentNode) = document, fieldsOnly = false): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const within = typeof root === 'function' ? root() : root;
    const target = fieldsOnly ? autofocusField(within) : focusTarget(within);
    if (target && (target.tagName !== 'MAIN' || Date.now() >= deadline)) {
      if (!target.hasAttribute('tabindex') && !isFocusable(target)) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: false });
      return;
    }
    if (Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function autofocusField(root: ParentNode): HTMLElement | null {
  return [...root.querySelectorAll<HTMLElement>('[data-autofocus]')].find((e) => e.offsetParent !== null) ?? null;
}

function focusTarget(root: ParentNode): HTMLElement | null {
  return autofocusField(root) ?? root.querySelector<HTMLElement>('main h1, h1') ?? root.querySelector<HTMLElement>('main');
}

function isFocusable(element: HTMLElement): boolean {
  return element.matches('a[href], button, input, select, textarea, [tabindex]');
}
