import { Injectable, Injector, effect, inject, untracked } from '@angular/core';
import { SLOT_ENTRIES_CHANGED, isEntriesPath, readSlotEntries, sortEntries, type SlotContext, type SlotEntry } from '@kith/sdk';
import { ApiClient, PERSONA_HEADER } from '../api/api-client';
import { readCapped } from '../api/read-capped';
import { Realtime } from '../realtime/realtime';
import type { ContributedView } from './extension-entry';
import { BoundedReads } from './bounded-reads';
import { ExtensionsStore } from './extensions-store';
import { IdentityStore } from '../session/identity-store';

/** A contributor's burst of changes (a transfer that starts, then is accepted) is read once. */
const RELOAD_DELAY_MS = 60;
/** Longest query the context may make: past it, no contributor is read (never one without its query). */
const MAX_QUERY = 1024;
/** Entries reads of one contributing extension at once, for every owner together: a hanging one holds up only itself. */
const READS_AT_ONCE = 1;
/** A contributor that has not answered by then shows nothing until its next change. */
const READ_TIMEOUT_MS = 10_000;
/** Largest answer read: 500 entries of the longest id and label fit in a tenth of it. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * The entries of a slot of entries (`contributes.slots[].entries`), for its owner's
 * `UiHost.watchSlotEntries`: each running contributor's `entries` route is read with the
 * context's plain values as the query, again when it emits `slot-entries-changed`, when the
 * page's connection comes back, and when contributors are turned on or off. A contributor whose
 * route fails or hangs keeps the entries it last gave (none, at first); reads are bounded
 * (BoundedReads), one at a time per contributing extension, so a hanging route holds up only its
 * own extension and cannot take the page's connections.
 */
@Injectable({ providedIn: 'root' })
export class SlotEntries {
  readonly #api = inject(ApiClient);
  readonly #realtime = inject(Realtime);
  readonly #extensions = inject(ExtensionsStore);
  readonly #injector = inject(Injector);
  /** Per contributing extension. */
  readonly #reads = new Map<string, BoundedReads>();
  readonly #identity = inject(IdentityStore);

  /**
   * `persona`: the persona the owner's view was made for (default: the active one). Reads name
   * it, so one that reaches the host after a switch to another persona is refused there.
   */
  watch(slot: string, context: SlotContext, onEntries: (entries: readonly SlotEntry[]) => void, persona = this.#identity.active()?.slug ?? ''): () => void {
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
      // One read at a time per contributor: a change during a read reads again after it.
      if (source.reading) {
        source.again = true;
        return;
      }
      source.reading = true;
      const generation = ++source.generation;
      // Null: the read failed, and the entries last read stay (a slow moment is not an empty list).
      let entries: SlotEntry[] | null = query === null ? [] : null;
      try {
        if (query !== null) {
          const answer = await this.#readsOf(source.view.extension.id).run((signal) => this.#read(`${source.view.item.entries}${query}`, persona, signal), source.cancel.signal);
          entries = readSlotEntries(answer, {
            extension: source.view.extension.id,
            view: source.view.item.id,
            title: source.view.item.title || source.view.item.id,
            extensionName: source.view.extension.name,
            builtIn: source.view.extension.builtin,
          });
        }
      } catch {
        // A failing or hanging contributor keeps what it showed; the next change it announces reads again.
      } finally {
        source.reading = false;
      }
      if (disposed || generation !== source.generation || sources.get(source.key) !== source) return;
      if (entries) source.entries = entries;
      publish();
      if (source.again) {
        source.again = false;
        schedule(source);
      }
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
            const source: Source = {
              key, view, entries: [], generation: 0, timer: undefined, connection, reading: false, again: false, cancel: new AbortController(), stop: () => undefined,
            };
            const unsubscribe = this.#realtime.on(`${view.extension.id}:${SLOT_ENTRIES_CHANGED}`, () => schedule(source));
            source.stop = () => {
              unsubscribe();
              clearTimeout(source.timer);
              source.generation++;
              source.cancel.abort();
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

  #readsOf(extensionId: string): BoundedReads {
    let reads = this.#reads.get(extensionId);
    if (!reads) this.#reads.set(extensionId, (reads = new BoundedReads(READS_AT_ONCE, READ_TIMEOUT_MS)));
    return reads;
  }

  /**
   * GET `path` for `persona` as JSON, abortable; throws for an error answer, a body over
   * {@link MAX_ANSWER_BYTES} (stopped as soon as it passes, never held whole) or one that is not JSON.
   */
  async #read(path: string, persona: string, signal: AbortSignal): Promise<unknown> {
    const response = await this.#api.fetch(path, { signal, headers: persona ? { [PERSONA_HEADER]: persona } : {} });
    if (!response.ok) throw new Error(`the entries route answered ${response.status}`);
    const body = await readCapped(response, MAX_ANSWER_BYTES);
    if (!body) throw new Error('the entries route answered too much');
    return JSON.parse(await body.text());
  }
}

interface Source {
  readonly key: string;
  readonly view: ContributedView;
  entries: SlotEntry[];
  generation: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  connection: number;
  /** A read is under way; `again`: a change came meanwhile. */
  reading: boolean;
  again: boolean;
  /** Aborts the read under way (or waiting for its turn) when the source goes. */
  readonly cancel: AbortController;
  stop: () => void;
}

/** A view that names an `entries` route it declared (the host checked it; checked again here). */
function readsEntries(view: ContributedView): boolean {
  const path = view.item.entries;
  return isEntriesPath(path) && (view.extension.contributes.routes ?? []).includes(`GET ${path}`);
}

/** A view's identity across re-fetches of the extensions list (a new version is a new source). */
function keyOf(view: ContributedView): string {
  return [view.extension.id, view.extension.version, view.item.id, view.item.entries].join('\n');
}

/**
 * `?peer=…`: the context's string values, numbers and booleans as text; other values are not
 * sent. Null when the query would pass {@link MAX_QUERY}: then no route is read, since a route
 * read without the part of its query that did not fit could answer for more than was asked.
 */
function queryOf(context: SlotContext): string | null {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(context ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
  }
  const query = params.toString();
  if (query.length > MAX_QUERY) return null;
  return query ? `?${query}` : '';
}
