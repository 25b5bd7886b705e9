import { Injectable, Injector, effect, inject, untracked } from '@angular/core';
import type { SlotContext } from '@kith/sdk';
import { ApiClient } from '../api/api-client';
import { RENDEZVOUS_URL_ATTRIBUTE, RENDEZVOUS_URL_EVENT } from '../connect/shared-rendezvous-url';
import type { ContributedView } from '../extensions/extension-entry';
import { ExtensionsStore } from '../extensions/extensions-store';
import { Realtime } from '../realtime/realtime';
import { UiHostFactory } from '../extensions/ui-host-factory';
import { SlotEntries } from '../extensions/slot-entries';
import { BoundedReads } from '../extensions/bounded-reads';
import { ExtensionDialogs } from '../extensions/extension-dialogs';
import { FrameBridge, type BridgeInit, type BridgeShell } from './frame-bridge';
import { FrameDoorman } from './frame-doorman';
import { MEDIA_CAPTURE_PERMISSION, createViewFrame, knownSandbox, followFrameSizes, type EntryRef, type FrameLayout, type FrameProps, type NestedView } from './frame-protocol';
import { currentTheme, watchTheme } from './frame-theme';

/** How long a view's frame may take to load its document and show its proof. */
const FRAME_LOAD_TIMEOUT_MS = 30_000;
/**
 * Nested frames of one extension's views minted and not loaded (waiting, or dropped before they
 * loaded, for the minute the host keeps them). The host keeps at most 512 minted frames waiting to
 * load, for all extensions: one view opening and closing slots in a loop would take them all, and
 * every view would fail to load. Frames that load (a wall of many entries) do not count.
 */
const MAX_UNLOADED_NESTED = 128;
/** How long the host keeps a minted frame that never loaded (ui-frames.ts). */
const MINTED_FRAME_LIFE_MS = 60_000;
/** One extension's frames' API calls in flight together (of the six connections a page has to its host). */
const FRAME_CALLS_AT_ONCE = 3;
/** One extension's frames' calls waiting for their turn; more are refused (KITH_ERR_RATE_LIMITED). */
const MAX_WAITING_CALLS = 256;
/** Shell slots whose views span the slot's width; the rest (header, overlay, open slots) are as wide as their content. */
const FILL_SLOTS = new Set(['page', 'home.main', 'home.sidebar', 'home.connect', 'settings', 'dialog']);

/** Whether `view`'s extension may use the microphone, camera and screen (its permission `media.capture`). */
function capturesMedia(view: ContributedView): boolean {
  return view.extension.permissions.some((p) => p.id === MEDIA_CAPTURE_PERMISSION);
}

export function layoutFor(slot: string): FrameLayout {
  return FILL_SLOTS.has(slot) ? 'fill' : 'inline';
}

/** A third-party view the shell placed: its frame element, and the props it follows. */
export interface FramedView {
  readonly element: HTMLIFrameElement;
  setProps(props: FrameProps): void;
  dispose(): void;
}

/** A third-party view that is not yet, or no longer, running: the bridge once its frame proved itself. */
interface PendingView {
  bridge: FrameBridge | undefined;
  cancel(): void;
}

/**
 * Runs every third-party view in a sandboxed frame (see frames/frame-protocol.ts and
 * host/src/gateway/ui-frames.ts): mints its one-time document, hands the frame that proves itself a
 * port, and keeps theme and the Connect page's rendezvous URL in step for all of them.
 */
@Injectable({ providedIn: 'root' })
export class FramedViews {
  readonly #api = inject(ApiClient);
  readonly #realtime = inject(Realtime);
  readonly #hosts = inject(UiHostFactory);
  readonly #extensions = inject(ExtensionsStore);
  readonly #doorman = inject(FrameDoorman);
  readonly #injector = inject(Injector);
  readonly #slotEntries = inject(SlotEntries);
  /** Each extension's frames' API calls at once: one whose routes hang holds up only its own (bounded-reads.ts). */
  readonly #calls = new Map<string, BoundedReads>();
  readonly #bridges = new Set<FrameBridge>();
  readonly #sources = new Map<string, Promise<string>>();
  readonly #placed = new Map<MessageEventSource, { element: HTMLIFrameElement; layout: FrameLayout }>();
  /** Per extension, the nested frames its views had minted that have not loaded. */
  readonly #unloadedNested = new Map<string, Set<object>>();
  #watching = false;

  /** What a bridge of `extensionId`'s view may use of the shell. */
  #shellFor(extensionId: string): BridgeShell {
    return {
      host: this.#hosts.forExtension(extensionId),
      socket: this.#realtime.raw,
      theme: () => currentTheme(document),
      rendezvousUrl: () => document.documentElement.getAttribute(RENDEZVOUS_URL_ATTRIBUTE),
      opensSlots: (id) => this.#extensions.running().find((e) => e.id === id)?.contributes.slots?.map((s) => s.id) ?? [],
      entrySlots: (id) => this.#extensions.running().find((e) => e.id === id)?.contributes.slots?.filter((s) => s.entries === true).map((s) => s.id) ?? [],
      renderSlot: (owner, slot, context, show, entry) => this.#renderNested(owner, slot, context, show, entry),
      watchEntries: (slot, context, show, persona) => this.#slotEntries.watch(slot, context ?? {}, show, persona),
      gesture: (extensionId) => this.#injector.get(ExtensionDialogs).noteGesture(extensionId),
      userActedIn: (extensionId) => this.#injector.get(ExtensionDialogs).userActedIn(extensionId),
      calls: (extensionId) => {
        let calls = this.#calls.get(extensionId);
        if (!calls) this.#calls.set(extensionId, (calls = new BoundedReads(FRAME_CALLS_AT_ONCE, null, MAX_WAITING_CALLS)));
        return calls;
      },
    };
  }

  /**
   * The text of `view`'s UI module (same-origin; the frame imports it from a blob), fetched once
   * per version while the page lives, and while the frame loads rather than after.
   */
  #moduleSource(view: ContributedView): Promise<string> {
    const key = `${view.extension.uiModuleUrl}\n${view.extension.version}`;
    let source = this.#sources.get(key);
    if (!source) {
      source = fetch(view.extension.uiModuleUrl!, { credentials: 'omit', cache: 'no-store' }).then((response) => {
        if (!response.ok) throw new Error(`its UI module answered ${response.status}`);
        return response.text();
      });
      this.#sources.set(key, source);
      source.catch(() => this.#sources.delete(key));
    }
    return source;
  }

  /** Place `view` (a third-party custom element) in a new sandboxed frame. */
  open(view: ContributedView, props: FrameProps, onFailure: (message: string) => void): FramedView {
    this.#watch();
    const layout = layoutFor(view.item.slot);
    const element = createViewFrame(document, view.item.title || view.item.id, layout, capturesMedia(view));
    element.dataset['kithView'] = `${view.extension.id}/${view.item.id}`;
    let current = props;
    const pending = this.#load(
      { extensionId: view.extension.id, tag: view.item.element!, moduleSource: this.#moduleSource(view), layout, props, onFailure },
      (url, sandbox) => {
        element.setAttribute('sandbox', knownSandbox(sandbox));
        element.src = url;
      },
      (source) => this.#placed.set(source, { element, layout }),
      () => current,
    );
    let source: MessageEventSource | undefined;
    return {
      element,
      setProps: (next) => {
        current = next;
        pending.bridge?.setProps(next);
      },
      dispose: () => {
        pending.cancel();
        for (const [window, placed] of this.#placed) if (placed.element === element) source = window;
        if (source) this.#placed.delete(source);
        element.remove();
      },
    };
  }

  /**
   * Mint a frame, wait for its document to prove itself, then bridge it. `place` receives the
   * one-time URL (the shell sets an iframe's src; a nested view's URL goes to the frame that hosts it).
   */
  #load(init: BridgeInit, place: (url: string, sandbox: string) => void, arrived: (source: MessageEventSource) => void, props: () => FrameProps): PendingView {
    let cancelled = false;
    let expectation: { cancel(): void } | undefined;
    let loading: ReturnType<typeof setTimeout> | undefined;
    // The persona the frame is made for: one that reports in after a switch to another is not bridged.
    const persona = this.#hosts.forExtension(init.extensionId).persona.slug;
    const pending: PendingView = {
      bridge: undefined,
      cancel: () => {
        cancelled = true;
        clearTimeout(loading);
        expectation?.cancel();
        if (pending.bridge) {
          this.#bridges.delete(pending.bridge);
          pending.bridge.dispose();
        }
      },
    };
    void this.#api.request<{ url: string; proof: string; sandbox: string }>('POST', '/ui-frames', { extension: init.extensionId }).then(
      ({ url, proof, sandbox }) => {
        if (cancelled) return;
        expectation = this.#doorman.expect(proof, (source, port) => {
          clearTimeout(loading);
          if (cancelled || this.#hosts.forExtension(init.extensionId).persona.slug !== persona) return port.close();
          const bridge = new FrameBridge(this.#shellFor(init.extensionId), { ...init, props: props() }, port);
          pending.bridge = bridge;
          this.#bridges.add(bridge);
          arrived(source);
          void bridge.start();
        });
        // A frame that never shows its proof (its document did not load) says so instead of staying blank.
        loading = setTimeout(() => {
          expectation?.cancel();
          if (!cancelled) init.onFailure('its frame did not load');
        }, FRAME_LOAD_TIMEOUT_MS);
        place(url, sandbox);
      },
      (error: unknown) => !cancelled && init.onFailure(error instanceof Error ? error.message : String(error)),
    );
    return pending;
  }

  /** A third-party frame's open slot: nested frames for the third-party views in it, following the extensions list. */
  #renderNested(owner: string, slot: string, context: SlotContext | null, show: (views: readonly NestedView[]) => void, entry: EntryRef | null): () => void {
    // One entry of a slot of entries: only its view, told which entry it shows.
    if (entry) context = { ...context, entry: entry.id };
    const nested = new Map<string, { view: NestedView | undefined; pending: PendingView }>();
    let stopped = false;
    let shown: readonly ContributedView[] = [];
    const announce = () => {
      if (stopped) return;
      show(shown.map((v) => nested.get(`${v.extension.id}/${v.item.id}`)?.view).filter((v): v is NestedView => v !== undefined));
    };
    const update = (views: readonly ContributedView[]) => {
      shown = views.filter((v) => !v.extension.builtin && v.item.element?.startsWith(`${v.extension.id}-`) && v.extension.uiModuleUrl)
        .filter((v) => !entry || (v.extension.id === entry.extension && v.item.id === entry.view && v.item.entries !== undefined));
      const keys = new Set(shown.map((v) => `${v.extension.id}/${v.item.id}`));
      for (const [key, entry] of nested) {
        if (keys.has(key)) continue;
        entry.pending.cancel();
        nested.delete(key);
      }
      for (const view of shown) {
        const key = `${view.extension.id}/${view.item.id}`;
        if (nested.has(key)) continue;
        // Each nested frame takes a place among the frames the host keeps waiting to load, for
        // every extension: a view that opens and closes slots in a loop must not take them all.
        const unloaded = this.#unloadedOf(owner);
        if (unloaded.size >= MAX_UNLOADED_NESTED) {
          console.warn(`${key}: not shown, the views of "${owner}" have too many frames that did not load`);
          continue;
        }
        const props: FrameProps = { peer: null, route: null, context };
        const entry: { view: NestedView | undefined; pending: PendingView } = { view: undefined, pending: undefined! };
        const mint = {};
        unloaded.add(mint);
        entry.pending = this.#load(
          { extensionId: view.extension.id, tag: view.item.element!, moduleSource: this.#moduleSource(view), layout: 'inline', props, onFailure: (m) => console.warn(`${key}: ${m}`) },
          (url, sandbox) => {
            entry.view = { key, url, sandbox, title: view.item.title || view.item.id, layout: 'inline', devices: capturesMedia(view) };
            announce();
          },
          () => unloaded.delete(mint),
          () => props,
        );
        // Dropped before it loaded: the host keeps its place for a minute more.
        const cancel = entry.pending.cancel;
        entry.pending.cancel = () => {
          cancel();
          if (unloaded.has(mint)) setTimeout(() => unloaded.delete(mint), MINTED_FRAME_LIFE_MS);
        };
        nested.set(key, entry);
      }
      announce();
    };
    const watcher = effect(
      () => {
        const views = this.#extensions.viewsIn(slot);
        untracked(() => update(views));
      },
      { injector: this.#injector },
    );
    return () => {
      stopped = true;
      watcher.destroy();
      for (const entry of nested.values()) entry.pending.cancel();
      nested.clear();
    };
  }

  /** The nested frames of `owner`'s views minted and not loaded (each leaves when it loads, or a minute after it was dropped). */
  #unloadedOf(owner: string): Set<object> {
    let unloaded = this.#unloadedNested.get(owner);
    if (!unloaded) this.#unloadedNested.set(owner, (unloaded = new Set()));
    return unloaded;
  }

  /** Theme, rendezvous URL and frame sizes: watched once, for every frame. */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    watchTheme(document, (theme) => {
      for (const bridge of this.#bridges) bridge.setTheme(theme);
    });
    window.addEventListener(RENDEZVOUS_URL_EVENT, () => {
      const url = document.documentElement.getAttribute(RENDEZVOUS_URL_ATTRIBUTE);
      for (const bridge of this.#bridges) bridge.setRendezvousUrl(url);
    });
    followFrameSizes(window, (source) => (source ? this.#placed.get(source) : undefined));
  }
}
