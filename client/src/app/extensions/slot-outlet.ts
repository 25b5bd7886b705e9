import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import type { SlotContext } from '@kith/sdk';
import { ContributionOutlet } from './contribution-outlet';
import { ExtensionsStore } from './extensions-store';

/**
 * An open slot (`polls.toolbar`) rendered inside an extension's own UI by `UiHost.renderSlot`:
 * the views every running extension contributes to it, in extension order, each given the
 * owner's context (or, for `UiHost.renderSlotEntry`, the one view of an entry). Follows the
 * extensions list, so a contributor turned off disappears at once.
 */
@Component({
  selector: 'kith-slot-outlet',
  imports: [ContributionOutlet],
  template: `
    @for (view of views(); track view.extension.id + '/' + view.item.id) {
      <kith-contribution-outlet [view]="view" [context]="context()" />
    }
  `,
  styles: `:host { display: contents; }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SlotOutlet {
  readonly slot = input.required<string>();
  readonly context = input<SlotContext | null>(null);
  /** One entry of a slot of entries: only this view (`<extension>/<view>`), which must read entries. */
  readonly only = input<string | null>(null);
  readonly #extensions = inject(ExtensionsStore);
  protected readonly views = computed(() => {
    const only = this.only();
    const views = this.#extensions.viewsIn(this.slot());
    return only === null ? views : views.filter((v) => `${v.extension.id}/${v.item.id}` === only && v.item.entries !== undefined);
  });
}
