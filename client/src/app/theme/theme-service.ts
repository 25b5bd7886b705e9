import { Injectable, computed, effect, inject, signal, untracked } from '@angular/core';
import { ApiClient } from '../api/api-client';
import { IdentityStore } from '../session/identity-store';
import { BUILTIN_THEMES, applyTheme, cleanPalette, toTheme, type Palette, type Theme, type ThemeScheme } from './themes';

/** A local UI profile (reference: /api/accounts): one per persona, holding its theme. */
interface UiProfile {
  readonly id: string;
  readonly name: string;
  readonly theme_slug: string;
}

/**
 * Themes and UI profiles: the built-in light, dark and high-contrast themes plus custom palettes
 * (`/api/themes`), and each persona's choice (its UI profile in `/api/accounts`, named after the
 * persona's slug). Applied live on every change; the last choice is also kept in localStorage, so
 * the login page and a reload paint in the right colours before the API answers.
 */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  readonly #api = inject(ApiClient);
  readonly #identity = inject(IdentityStore);
  readonly #custom = signal<Theme[]>([]);
  readonly #chosen = signal<string>(readLocal('kith.theme') ?? 'system');
  readonly themes = computed<Theme[]>(() => [...BUILTIN_THEMES, ...this.#custom()]);
  readonly chosen = this.#chosen.asReadonly();
  readonly active = computed(() => this.themes().find((t) => t.slug === this.#chosen()) ?? BUILTIN_THEMES[0]!);
  #profileId: string | null = null;
  /** The persona whose theme was last loaded in this page. */
  #loadedPersona: string | undefined;

  start(): void {
    // Paint at once from what this browser remembers; then follow the persona's profile.
    applyTheme(this.active());
    effect(() => applyTheme(this.active()));
    // Keyed on the slug alone: the persona object is new on every identity refresh.
    const persona = computed(() => this.#identity.active()?.slug);
    effect(() => {
      const slug = persona();
      untracked(() => void this.#loadFor(slug));
    });
  }

  /** Choose a theme for the active persona (applied at once, saved to its UI profile). */
  async choose(slug: string): Promise<void> {
    this.#chosen.set(slug);
    writeLocal(this.#localKey(), slug);
    writeLocal('kith.theme', slug);
    const persona = this.#identity.active()?.slug;
    if (!persona) return;
    try {
      const id = this.#profileId ?? (await this.#ensureProfile(persona, slug)).id;
      await this.#api.post(`/accounts/${encodeURIComponent(id)}/theme`, { theme_slug: slug });
    } catch {
      // The host keeps no profiles (older host): the local choice stands.
    }
  }

  /** Save a custom palette over a base scheme; it becomes selectable (and is chosen). */
  async saveCustom(name: string, scheme: ThemeScheme, palette: Palette): Promise<Theme> {
    const body = { name: name.trim().slice(0, 60) || 'My theme', scheme, palette: cleanPalette(palette), created_by: this.#identity.active()?.slug ?? null };
    let theme: Theme | undefined;
    try {
      theme = toTheme(await this.#api.post('/themes', body));
    } catch {
      theme = undefined;
    }
    theme ??= { slug: `custom-${Date.now().toString(36)}`, name: body.name, builtin: false, scheme, highContrast: false, palette: body.palette };
    this.#custom.update((list) => [...list.filter((t) => t.slug !== theme!.slug), theme!]);
    writeLocal('kith.themes.custom', JSON.stringify(this.#custom()));
    await this.choose(theme.slug);
    return theme;
  }

  async #loadFor(persona: string | undefined): Promise<void> {
    this.#profileId = null;
    const local = persona ? readLocal(this.#localKey(persona)) : null;
    // After a switch, a persona that never chose a theme gets the default, not the theme of the
    // persona before it; on a first load this browser's last choice paints until the profiles answer.
    const switched = persona !== undefined && this.#loadedPersona !== undefined && persona !== this.#loadedPersona;
    if (persona) this.#loadedPersona = persona;
    if (local) this.#chosen.set(local);
    else if (switched) {
      this.#chosen.set('system');
      writeLocal('kith.theme', 'system');
    }
    this.#custom.set(parseCustom(readLocal('kith.themes.custom')));
    if (!persona) return;
    // An answer that comes after a switch to another persona is not this persona's to apply.
    const stale = () => this.#identity.active()?.slug !== persona;
    try {
      const themes = await this.#api.get<unknown[]>('/themes');
      if (stale()) return;
      this.#custom.set((Array.isArray(themes) ? themes : []).map(toTheme).filter((t): t is Theme => !!t && !t.builtin));
      const profiles = await this.#api.get<UiProfile[]>('/accounts');
      if (stale()) return;
      const mine = profiles.find((p) => p.name === persona);
      // The host's answer settles it: a persona with no profile and no choice in this browser
      // never chose, so it gets the default rather than whatever this browser last painted.
      const slug = mine?.theme_slug ?? readLocal(this.#localKey(persona)) ?? 'system';
      this.#profileId = mine?.id ?? null;
      this.#chosen.set(slug);
      writeLocal('kith.theme', slug);
      if (mine) writeLocal(this.#localKey(persona), slug);
    } catch {
      // Locked, or a host without the routes: stay with the local choice.
    }
  }

  async #ensureProfile(persona: string, slug: string): Promise<UiProfile> {
    const created = await this.#api.post<UiProfile>('/accounts', { name: persona, theme_slug: slug });
    this.#profileId = created.id;
    return created;
  }

  #localKey(persona = this.#identity.active()?.slug ?? 'none'): string {
    return `kith.theme.${persona}`;
  }
}

function parseCustom(text: string | null): Theme[] {
  try {
    const list = text ? (JSON.parse(text) as unknown[]) : [];
    return Array.isArray(list) ? list.map(toTheme).filter((t): t is Theme => !!t && !t.builtin) : [];
  } catch {
    return [];
  }
}

function readLocal(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeLocal(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: the choice lasts for this page only
  }
}
