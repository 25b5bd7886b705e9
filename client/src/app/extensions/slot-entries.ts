import { Injectable, Injector, effect, inject, untracked } from '@angular/core';
import { SLOT_ENTRIES_CHANGED, readSlotEntries, sortEntries, type SlotContext, type SlotEntry } from '@kith/sdk';
import { ApiClient } from '../api/api-client';
import { Realtime } from '../realtime/realtime';
import type { ContributedView } from './extension-entry';
import { ExtensionsStore } from './extensions-store';

/** A contributor's burst of changes (a transfer that starts, then is accepted) is read once. */
const RELOAD_DELAY_MS = 60;
/** Longest query the context may make: the rest of the context is not sent. */
const MAX_QUERY = 1024;

/**
 * The entries of a slot of entries (`contributes.slots[].entries`), for its owner's
 * `UiHost.watchSlotEntries`: each running contributor's `entries` route is read with the
 * context's string values as the query, again when it emits `slot-entries-changed`, when the
 * page's connection comes back, and when contributors are turned on or off. A contributor whose
 * route fails or answers badly adds nothing; it never blocks the others.
 */
@Injectable({ providedIn: 'root' })
export class SlotEntries {
  readonly #api = inject(ApiClient);
  readonly #realtime = inject(Realtime);
  readonly #extensions = inject(ExtensionsStore);
  readonly #injector = inject(Injector);

  watch(slot: string, context: SlotContext, onEntries: (entries: readonly SlotEntry[]) => void): () => void {
    const query = queryOf(context);
    const sources = new Map<string, Source>();
    let disposed = false;
    let published: string | undefined;
    const publish = () => {
      if (disposed) return;
      const entries = sortEntries([...sources.values()].flatMap((s) => s.entries));
      // The same list again (a re-read that found no change) is not news: the owner's rows stay as they are.
      const signature = JSON.stringify(entries);
      if (signature === published) return;
      published = signature;
      onEntries(entries);
    };
    const load = async (source: Source) => {
      const generation = ++source.generation;
      let entries: SlotEntry[] = [];
      try {
        const answer = await this.#api.request<unknown>('GET', `${source.view.item.entries}${query}`);
        entries = readSlotEntries(answer, source.view.extension.id, source.view.item.id, source.view.item.title || source.view.item.id);
      } catch {
        // A failing contributor shows nothing; the next change it announces reads again.
      }
      if (disposed || generation !== source.generation || sources.get(source.key) !== source) return;
      source.entries = entries;
      publish();
    };
    const schedule = (source: Source) => {
      if (source.timer !== undefined) return;
      source.timer = setTimeout(() => {
        source.timer = undefined;
        void load(source);
      }, RELOAD_DELAY_MS);
    };

    const views = effect(
      () => {
        const current = this.#extensions.viewsIn(slot).filter(readsEntries);
        const connection = this.#realtime.connections();
        untracked(() => {
          const keys = new Set(current.map(keyOf));
          for (const [key, source] of sources) {
            if (keys.has(key)) continue;
            source.stop();
            sources.delete(key);
          }
          for (const view of current) {
            const key = keyOf(view);
            const known = sources.get(key);
            if (known) {
              // Reconnected: what changed while the page was away is read again.
              if (connection !== known.connection) schedule(known);
              known.connection = connection;
              continue;
            }
            const source: Source = { key, view, entries: [], generation: 0, timer: undefined, connection, stop: () => undefined };
            const unsubscribe = this.#realtime.on(`${view.extension.id}:${SLOT_ENTRIES_CHANGED}`, () => schedule(source));
            source.stop = () => {
              unsubscribe();
              clearTimeout(source.timer);
              source.generation++;
            };
            sources.set(key, source);
            void load(source);
          }
          publish();
        });
      },
      { injector: this.#injector },
    );
    return () => {
      disposed = true;
      views.destroy();
      for (const source of sources.values()) source.stop();
      sources.clear();
    };
  }
}

interface Source {
  readonly key: string;
  readonly view: ContributedView;
  entries: SlotEntry[];
  generation: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  connection: number;
  stop: () => void;
}

/** A view that names an `entries` route it declared (the host checked it; checked again here). */
function readsEntries(view: ContributedView): boolean {
  const path = view.item.entries;
  return (
    typeof path === 'string' &&
    /^(\/[A-Za-z0-9._~-]+)+$/.test(path) &&
    !path.split('/').some((segment) => /^\.+$/.test(segment)) &&
    (view.extension.contributes.routes ?? []).includes(`GET ${path}`)
  );
}

/** A view's identity across re-fetches of the extensions list (a new version is a new source). */
function keyOf(view: ContributedView): string {
  return [view.extension.id, view.extension.version, view.item.id, view.item.entries].join('\n');
}

/** `?peer=…`: the context's string values; numbers and booleans as text; the rest is not sent. */
function queryOf(context: SlotContext): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(context ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
  }
  const query = params.toString();
  return query && query.length <= MAX_QUERY ? `?${query}` : '';
}
