import type { FrameTheme } from './frame-protocol';

/** Custom properties the shell's theme is made of, which frames receive as computed. */
const THEME_PROPERTY = /^--(mat-sys|kith)-/;

/** The shell's theme as it is now: what a framed view needs to look like the rest of the page. */
export function currentTheme(document: Document): FrameTheme {
  const root = getComputedStyle(document.documentElement);
  const vars: Record<string, string> = {};
  for (let i = 0; i < root.length; i++) {
    const name = root.item(i);
    if (THEME_PROPERTY.test(name)) vars[name] = root.getPropertyValue(name).trim();
  }
  const body = getComputedStyle(document.body);
  return { vars, colorScheme: root.colorScheme || 'normal', font: body.font, color: body.color };
}

/**
 * Call `changed` with the new theme whenever it may have changed: a class or style on `<html>` or
 * `<body>` (theme and palette choices), or the system's light/dark preference. Returns the stopper.
 */
export function watchTheme(document: Document, changed: (theme: FrameTheme) => void): () => void {
  let last = JSON.stringify(currentTheme(document));
  const check = () => {
    const theme = currentTheme(document);
    const text = JSON.stringify(theme);
    if (text === last) return;
    last = text;
    changed(theme);
  };
  const observer = new MutationObserver(check);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style', 'data-theme'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', check);
  return () => {
    observer.disconnect();
    scheme.removeEventListener('change', check);
  };
}
