import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NavigationEnd, Router, RouterLink } from '@angular/router';
import { filter, map } from 'rxjs';
import { ExtensionsStore } from './extensions-store';
import { ContributionOutlet } from './contribution-outlet';

/**
 * A page contributed by an extension (a nav entry's route → its `page` view). When the extension
 * is off, or no running extension owns the path, the route does not exist.
 */
@Component({
  selector: 'kith-contributed-page',
  imports: [ContributionOutlet, RouterLink],
  template: `
    @if (page(); as found) {
      @if (found.view) {
        <div class="page" [attr.data-extension]="found.nav.extension.id">
          <kith-contribution-outlet [view]="found.view" [peer]="found.route.params['peer'] || null" [route]="found.route" />
        </div>
      } @else {
        <div class="page"><p class="error-text">{{ found.nav.extension.name }} has no view named {{ found.nav.item.view }}.</p></div>
      }
    } @else if (extensions.loaded()) {
      <div class="page not-found" data-testid="not-found">
        <h1>Page not found</h1>
        <p class="muted">No running extension offers <code>{{ path() }}</code>. It may be turned off for this persona.</p>
        <a routerLink="/chats">Back to chats</a> · <a routerLink="/extensions">Extensions</a>
      </div>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ContributedPage {
  protected readonly extensions = inject(ExtensionsStore);
  readonly #router = inject(Router);
  protected readonly path = toSignal(
    this.#router.events.pipe(
      filter((e) => e instanceof NavigationEnd),
      map(() => this.#currentPath()),
    ),
    { initialValue: this.#currentPath() },
  );
  protected readonly page = computed(() => this.extensions.pageFor(this.path()));

  #currentPath(): string {
    return this.#router.url.split(/[?#]/)[0].replace(/^\/+/, '');
  }
}
