import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  ViewContainerRef,
  computed,
  effect,
  inject,
  input,
  reflectComponentType,
  signal,
  untracked,
  type ComponentRef,
  type OnDestroy,
  type Type,
} from '@angular/core';
import type { PageRoute, SlotContext } from '@kith/sdk';
import { BUILTIN_UI } from './builtin-ui';
import type { ContributedView } from './extension-entry';
import { shownExtensionName } from './shown-extension-name';
import { UiHostFactory } from './ui-host-factory';
import { FramedViews, type FramedView } from '../frames/framed-views';
import { IdentityStore } from '../session/identity-store';

/** A frozen copy of plain data, so a view cannot change what another view of the slot sees. */
function frozenCopy<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    Object.freeze(v);
    for (const inner of Object.values(v)) freeze(inner);
  };
  freeze(copy);
  return copy;
}

/**
 * Renders one contributed view: a built-in extension's Angular component (lazy chunk from
 * {@link BUILTIN_UI}, inputs `host`, `peer`, `route` and `context` when it declares them) or a
 * third-party custom element, which runs in a sandboxed frame of its own (frames/framed-views.ts:
 * it never shares the shell's document, which holds the launch secret) and gets the same
 * properties there. Destroyed with its slot, so an extension turned off loses its UI at once.
 */
@Component({
  selector: 'kith-contribution-outlet',
  template: `
    @if (failure(); as message) {
      <p class="outlet-error" role="alert">
        <span class="material-symbols-outlined" aria-hidden="true">extension_off</span>
        {{ failedWhat() }}: {{ message }}
      </p>
    }
  `,
  styles: `
    :host { display: contents; }
    .outlet-error { display: flex; gap: 8px; align-items: center; color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ContributionOutlet implements OnDestroy {
  readonly view = input.required<ContributedView>();
  readonly peer = input<string | null>(null);
  /** For a `page` view: the route it was opened with (parameters decoded, plain strings). */
  readonly route = input<PageRoute | null>(null);
  /** For a view in an open slot: what the slot's owner passed to `renderSlot`. */
  readonly context = input<SlotContext | null>(null);

  protected readonly failure = signal<string | null>(null);
  /**
   * Whose view failed: a built-in's by its title; a third party's by Kith's words and its name
   * (what its frame reports stands after them, so it cannot pass for Kith's own message).
   */
  protected readonly failedWhat = computed(() => {
    const view = this.view();
    return view.extension.builtin ? view.item.title || view.item.id : `The view of extension “${shownExtensionName([view.extension], view.extension.id)}” failed`;
  });
  readonly #container = inject(ViewContainerRef);
  readonly #element = inject<ElementRef<HTMLElement>>(ElementRef);
  readonly #hosts = inject(UiHostFactory);
  #componentRef: ComponentRef<unknown> | undefined;
  #componentInputs = new Set<string>();
  #framed: FramedView | undefined;
  readonly #frames = inject(FramedViews);
  readonly #identity = inject(IdentityStore);
  #generation = 0;

  constructor() {
    // (Re)render when the view itself or the persona changes: not when the extensions list is merely
    // re-fetched (another extension turned on or off), which hands an equal view in a new object.
    const identity = computed(() => {
      const { extension, item } = this.view();
      return [this.#identity.active()?.slug, extension.id, extension.version, extension.uiModuleUrl, item.id, item.component, item.element].join('\n');
    });
    effect(() => {
      identity();
      untracked(() => void this.#render(this.view()));
    });
    // Pass peer changes through without re-creating the view.
    effect(() => {
      const peer = this.peer();
      if (this.#componentRef && this.#componentInputs.has('peer')) this.#componentRef.setInput('peer', peer);
      if (this.#framed) this.#passRouteAndContext(untracked(this.route), untracked(this.context));
    });
    // Route and slot context: passed through too (a new parameter keeps the view, like a new peer).
    effect(() => {
      const route = this.route();
      const context = this.context();
      untracked(() => this.#passRouteAndContext(route, context));
    });
  }

  ngOnDestroy(): void {
    this.#generation++;
    this.#clear();
  }

  async #render(view: ContributedView): Promise<void> {
    const generation = ++this.#generation;
    this.#clear();
    this.failure.set(null);
    const host = this.#hosts.forExtension(view.extension.id);
    try {
      if (view.item.component) {
        const load = BUILTIN_UI[view.extension.id];
        if (!load) throw new Error('this client build has no UI for it');
        const module = await load();
        if (generation !== this.#generation) return;
        const component = module[view.item.component] as Type<unknown> | undefined;
        const mirror = component ? reflectComponentType(component) : null;
        if (!component || !mirror) throw new Error(`component ${view.item.component} is not exported by its UI module`);
        this.#componentInputs = new Set(mirror.inputs.map((i) => i.templateName));
        const ref = this.#container.createComponent(component);
        if (this.#componentInputs.has('host')) ref.setInput('host', host);
        if (this.#componentInputs.has('peer')) ref.setInput('peer', untracked(this.peer));
        this.#componentRef = ref;
        this.#passRouteAndContext(untracked(this.route), untracked(this.context));
      } else if (view.item.element) {
        const tag = view.item.element;
        if (!tag.startsWith(`${view.extension.id}-`)) throw new Error(`element <${tag}> must be named <${view.extension.id}-…>`);
        if (!view.extension.uiModuleUrl) throw new Error('the host serves no UI module for it');
        this.#framed = this.#frames.open(view, this.#props(untracked(this.route), untracked(this.context)), (message) => {
          if (generation === this.#generation) this.failure.set(message);
        });
        this.#element.nativeElement.appendChild(this.#framed.element);
      } else {
        throw new Error('the view names neither a component nor an element');
      }
    } catch (error) {
      if (generation === this.#generation) this.failure.set(error instanceof Error ? error.message : String(error));
    }
  }

  #passRouteAndContext(route: PageRoute | null, context: SlotContext | null): void {
    if (this.#componentRef) {
      if (this.#componentInputs.has('route')) this.#componentRef.setInput('route', route);
      if (this.#componentInputs.has('context')) this.#componentRef.setInput('context', context === null ? null : frozenCopy(context));
    }
    this.#framed?.setProps(this.#props(route, context));
  }

  /** What a framed view's element gets: plain data, copied across to its frame. */
  #props(route: PageRoute | null, context: SlotContext | null) {
    return { peer: untracked(this.peer), route, context: context === null ? null : (structuredClone(context) as SlotContext) };
  }

  #clear(): void {
    this.#componentRef?.destroy();
    this.#componentRef = undefined;
    this.#container.clear();
    this.#framed?.dispose();
    this.#framed = undefined;
  }
}
