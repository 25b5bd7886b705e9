/** A colour scheme the shell can apply: a built-in one or a custom palette saved by the user. */
export interface Theme {
  readonly slug: string;
  readonly name: string;
  readonly builtin: boolean;
  /** The base the palette starts from: `light`, `dark`, or `system` (follow the OS). */
  readonly scheme: ThemeScheme;
  readonly highContrast: boolean;
  /** Custom colours over the base (CSS hex), by Material system token name. */
  readonly palette: Palette;
}

export type ThemeScheme = 'light' | 'dark' | 'system';

/** The Material system colours a custom palette may set (the rest follow from the base scheme). */
export const PALETTE_KEYS = ['primary', 'on-primary', 'primary-container', 'on-primary-container', 'surface', 'on-surface', 'surface-container', 'outline'] as const;
export type PaletteKey = (typeof PALETTE_KEYS)[number];
export type Palette = Partial<Record<PaletteKey, string>>;

const HEX = /^#[0-9a-fA-F]{6}$/;

export const BUILTIN_THEMES: readonly Theme[] = [
  { slug: 'system', name: 'Follow the system', builtin: true, scheme: 'system', highContrast: false, palette: {} },
  { slug: 'light', name: 'Light', builtin: true, scheme: 'light', highContrast: false, palette: {} },
  { slug: 'dark', name: 'Dark', builtin: true, scheme: 'dark', highContrast: false, palette: {} },
  { slug: 'high-contrast', name: 'High contrast', builtin: true, scheme: 'light', highContrast: true, palette: {} },
];

/** Keep only known keys with `#rrggbb` values: a palette is data from storage, never trusted CSS. */
export function cleanPalette(raw: unknown): Palette {
  const palette: Palette = {};
  if (!raw || typeof raw !== 'object') return palette;
  for (const key of PALETTE_KEYS) {
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value === 'string' && HEX.test(value)) palette[key] = value.toLowerCase();
  }
  return palette;
}

/** Read a theme from the API or storage; undefined when it is not one. */
export function toTheme(raw: unknown): Theme | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const slug = typeof r['slug'] === 'string' && /^[a-z0-9-]{1,40}$/.test(r['slug']) ? r['slug'] : undefined;
  const name = typeof r['name'] === 'string' ? r['name'].slice(0, 60) : undefined;
  if (!slug || !name) return undefined;
  const scheme = r['scheme'] === 'dark' || r['scheme'] === 'system' ? r['scheme'] : 'light';
  return { slug, name, builtin: Boolean(r['builtin']), scheme, highContrast: Boolean(r['high_contrast'] ?? r['highContrast']), palette: cleanPalette(r['palette']) };
}

/**
 * Apply a theme to the document at once: `data-theme` and `color-scheme` pick Material's light or
 * dark tokens (styles.scss), high contrast adds its overrides, and a custom palette sets the
 * matching `--mat-sys-*` properties. Extension views follow through the same properties.
 */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset['theme'] = theme.highContrast ? 'high-contrast' : theme.scheme;
  root.style.colorScheme = theme.scheme === 'system' ? 'light dark' : theme.scheme;
  for (const key of PALETTE_KEYS) {
    const value = theme.palette[key];
    if (value) root.style.setProperty(`--mat-sys-${key}`, value);
    else root.style.removeProperty(`--mat-sys-${key}`);
  }
}
