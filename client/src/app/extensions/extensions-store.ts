import { Injectable, computed, inject, signal } from '@angular/core';
import type { PageRoute, ViewSlot } from '@kith/sdk';
import { matchRoute } from './match-route';
import { ApiClient } from '../api/api-client';
import { Realtime } from '../realtime/realtime';
import {
  normaliseExtension,
  type ContributedPeerAction,
  type ContributedNav,
  type ContributedSetting,
  type ContributedView,
  type ExtensionEntry,
} from './extension-entry';

/**
 * The extensions of the active persona and what they contribute to the shell. Every contribution
 * point (nav, routed pages, home slots, peer actions, settings) reads from here, so turning an
 * extension off (here or from another tab) removes its UI as soon as the list is re-fetched.
 */
@Injectable({ providedIn: 'root' })
export class ExtensionsStore {
  readonly #api = inject(ApiClient);
  readonly #all = signal<readonly ExtensionEntry[]>([]);
  readonly #loaded = signal(false);

  readonly all = this.#all.asReadonly();
  readonly loaded = this.#loaded.asReadonly();
  /** Extensions that are on and healthy: only these contribute UI. */
  readonly running = computed(() => this.#all().filter((e) => e.enabled && e.running && !e.faulted));

  readonly nav = computed<ContributedNav[]>(() =>
    this.running().flatMap((extension) => (extension.contributes.nav ?? []).map((item) => ({ extension, item }))),
  );
  readonly views = computed<ContributedView[]>(() =>
    this.running().flatMap((extension) => (extension.contributes.views ?? []).map((item) => ({ extension, item }))),
  );
  readonly peerActions = computed<ContributedPeerAction[]>(() =>
    this.running().flatMap((extension) => (extension.contributes.peerActions ?? []).map((item) => ({ extension, item }))),
  );
  readonly settings = computed<ContributedSetting[]>(() =>
    this.running().flatMap((extension) => (extension.contributes.settings ?? []).map((item) => ({ extension, item }))),
  );

  constructor() {
    const realtime = inject(Realtime);
    realtime.on('extensions:changed', () => void this.refresh().catch(() => undefined));
  }

  /** Views for one slot (a shell slot or an open one), in extension order. */
  viewsIn(slot: ViewSlot | (string & {})): ContributedView[] {
    return this.views().filter((v) => v.item.slot === slot);
  }

  /** True when `extensionId` is running and opens `slot` in its `contributes.slots` (as a slot of entries, if asked). */
  opensSlot(extensionId: string, slot: string, ofEntries = false): boolean {
    return this.running().some((e) => e.id === extensionId && (e.contributes.slots ?? []).some((s) => s.id === slot && (!ofEntries || s.entries === true)));
  }

  /** The routed page for a client URL path (`media`, `call/<peer>`), if a running extension has one. */
  pageFor(path: string): { nav: ContributedNav; view: ContributedView | undefined; route: PageRoute } | undefined {
    for (const nav of this.nav()) {
      const params = matchRoute(nav.item, path);
      if (!params) continue;
      const view = this.views().find((v) => v.extension.id === nav.extension.id && v.item.id === nav.item.view);
      return { nav, view, route: Object.freeze({ pattern: nav.item.route, path, params: Object.freeze(params) }) };
    }
    return undefined;
  }

  async refresh(): Promise<readonly ExtensionEntry[]> {
    const raw = await this.#api.get<unknown>('/extensions');
    const list = Array.isArray(raw) ? raw : ((raw as { extensions?: unknown[] })?.extensions ?? []);
    const entries = (list as Record<string, unknown>[]).filter((e) => e && typeof e['id'] === 'string').map(normaliseExtension);
    this.#all.set(entries);
    this.#loaded.set(true);
    return entries;
  }

  /** Turn an extension on or off for the active persona; its UI follows at once. */
  async setEnabled(id: string, enabled: boolean): Promise<void> {
    // Optimistic: hide the UI before the host has finished disposing, so nothing half-dead is clicked.
    this.#all.update((list) => list.map((e) => (e.id === id ? { ...e, enabled } : e)));
    try {
      await this.#api.post(`/extensions/${encodeURIComponent(id)}`, { enabled });
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }

  /** Store a per-persona setting of an extension (`PUT /api/extensions/:id/settings/:setting`). */
  async setSetting(extensionId: string, settingId: string, value: boolean | string | number): Promise<void> {
    await this.#api.request('PUT', `/extensions/${encodeURIComponent(extensionId)}/settings/${encodeURIComponent(settingId)}`, { value });
    this.#all.update((list) =>
      list.map((e) => (e.id === extensionId ? { ...e, settings: { ...e.settings, [settingId]: value } } : e)),
    );
  }

  clear(): void {
    this.#all.set([]);
    this.#loaded.set(false);
  }
}
