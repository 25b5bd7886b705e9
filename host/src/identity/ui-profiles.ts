import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KithError } from '@kith/sdk';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-write.js';

/**
 * Local UI preferences (reference: `/api/themes`, `/api/accounts`): custom colour themes and UI
 * profiles, each profile holding the slug of its theme. The shell keeps one profile per persona.
 * Plain preferences, no secret: one small JSON file (0600) in the data directory, bounded in size.
 */

const MAX_THEMES = 64;
const MAX_PROFILES = 64;
const HEX = /^#[0-9a-fA-F]{6}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
const PALETTE_KEYS = ['primary', 'on-primary', 'primary-container', 'on-primary-container', 'surface', 'on-surface', 'surface-container', 'outline'] as const;

/** The shell's own themes: always listed, never stored. */
export const BUILTIN_THEMES = [
  { slug: 'system', name: 'Follow the system', builtin: true, scheme: 'system', high_contrast: false, palette: {}, created_by: null },
  { slug: 'light', name: 'Light', builtin: true, scheme: 'light', high_contrast: false, palette: {}, created_by: null },
  { slug: 'dark', name: 'Dark', builtin: true, scheme: 'dark', high_contrast: false, palette: {}, created_by: null },
  { slug: 'high-contrast', name: 'High contrast', builtin: true, scheme: 'light', high_contrast: true, palette: {}, created_by: null },
] as const;

const palette = z.object(Object.fromEntries(PALETTE_KEYS.map((k) => [k, z.string().regex(HEX, 'must be #rrggbb').optional()]))).strict();
export const themeInput = z.object({
  name: z.string().trim().min(1).max(60),
  slug: z.string().regex(SLUG, 'lowercase letters, digits and dashes, at most 40').optional(),
  created_by: z.string().max(64).nullable().optional(),
  scheme: z.enum(['light', 'dark', 'system']).optional(),
  palette,
}).strict();
export const profileInput = z.object({ name: z.string().trim().min(1).max(64), theme_slug: z.string().regex(SLUG).optional() }).strict();
export const themeChoice = z.object({ theme_slug: z.string().regex(SLUG) }).strict();

export interface StoredTheme {
  readonly slug: string;
  readonly name: string;
  readonly builtin: false;
  readonly scheme: 'light' | 'dark' | 'system';
  readonly high_contrast: false;
  readonly palette: Record<string, string>;
  readonly created_by: string | null;
}

export interface UiProfile {
  readonly id: string;
  readonly name: string;
  readonly theme_slug: string;
}

interface Stored {
  themes: StoredTheme[];
  accounts: UiProfile[];
}

const storedShape = z.object({
  themes: z.array(z.object({ slug: z.string().regex(SLUG), name: z.string().max(60), scheme: z.enum(['light', 'dark', 'system']), palette, created_by: z.string().max(64).nullable() }).passthrough()).max(MAX_THEMES),
  accounts: z.array(z.object({ id: z.string().max(40), name: z.string().max(64), theme_slug: z.string().regex(SLUG) })).max(MAX_PROFILES),
});

export class UiProfiles {
  readonly #file: string;

  constructor(dataDir: string) {
    this.#file = path.join(dataDir, 'ui-profiles.json');
  }

  themes(): readonly (StoredTheme | (typeof BUILTIN_THEMES)[number])[] {
    return [...BUILTIN_THEMES, ...this.#read().themes];
  }

  saveTheme(input: z.infer<typeof themeInput>): StoredTheme {
    const stored = this.#read();
    const slug = input.slug ?? `custom-${randomBytes(4).toString('hex')}`;
    if (BUILTIN_THEMES.some((t) => t.slug === slug)) throw new KithError('KITH_ERR_CONFLICT', `"${slug}" is a built-in theme`);
    const others = stored.themes.filter((t) => t.slug !== slug);
    if (others.length >= MAX_THEMES) throw new KithError('KITH_ERR_BAD_REQUEST', `At most ${MAX_THEMES} custom themes`);
    const theme: StoredTheme = {
      slug, name: input.name, builtin: false, scheme: input.scheme ?? 'light', high_contrast: false,
      palette: Object.fromEntries(Object.entries(input.palette).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, (v as string).toLowerCase()])),
      created_by: input.created_by ?? null,
    };
    this.#write({ ...stored, themes: [...others, theme] });
    return theme;
  }

  profiles(): readonly UiProfile[] {
    return this.#read().accounts;
  }

  createProfile(input: z.infer<typeof profileInput>): UiProfile {
    const stored = this.#read();
    const theme = input.theme_slug ?? 'system';
    this.#requireTheme(stored, theme);
    if (stored.accounts.length >= MAX_PROFILES) throw new KithError('KITH_ERR_BAD_REQUEST', `At most ${MAX_PROFILES} UI profiles`);
    const profile: UiProfile = { id: randomBytes(8).toString('hex'), name: input.name, theme_slug: theme };
    this.#write({ ...stored, accounts: [...stored.accounts, profile] });
    return profile;
  }

  setTheme(id: string, themeSlug: string): UiProfile {
    const stored = this.#read();
    this.#requireTheme(stored, themeSlug);
    const profile = stored.accounts.find((a) => a.id === id);
    if (!profile) throw new KithError('KITH_ERR_NOT_FOUND', 'No UI profile with that id');
    const updated = { ...profile, theme_slug: themeSlug };
    this.#write({ ...stored, accounts: stored.accounts.map((a) => (a.id === id ? updated : a)) });
    return updated;
  }

  #requireTheme(stored: Stored, slug: string): void {
    if (!BUILTIN_THEMES.some((t) => t.slug === slug) && !stored.themes.some((t) => t.slug === slug)) {
      throw new KithError('KITH_ERR_NOT_FOUND', `No theme "${slug}"`);
    }
  }

  #read(): Stored {
    // A damaged or hand-edited file falls back to defaults rather than breaking the page.
    return this.#readFile() ?? { themes: [], accounts: [] };
  }

  /** The stored profiles, or undefined when there is no file or it is damaged. */
  #readFile(): Stored | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = text.length <= 256 * 1024 ? storedShape.safeParse(safeJson(text)) : undefined;
    return parsed?.success ? (parsed.data as unknown as Stored) : undefined;
  }

  #write(stored: Stored): void {
    // A damaged file is kept aside, not written over: what it held can still be recovered by hand.
    if (fs.existsSync(this.#file) && this.#readFile() === undefined) fs.renameSync(this.#file, `${this.#file}.damaged-${Date.now()}`);
    writeFileAtomic(this.#file, JSON.stringify(stored));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
