import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatRadioModule } from '@angular/material/radio';
import { ThemeService } from './theme-service';
import type { ThemeScheme } from './themes';

/** Settings → Appearance: pick this persona's theme (applied at once) or save a custom palette. */
@Component({
  selector: 'kith-appearance-card',
  imports: [MatCardModule, MatRadioModule, MatButtonModule],
  template: `
    <mat-card appearance="outlined" class="section" data-testid="appearance">
      <h2 id="appearance-title">Appearance</h2>
      <p class="muted">The theme belongs to this persona and applies at once.</p>
      <mat-radio-group [value]="themes.chosen()" (change)="themes.choose($event.value)" aria-labelledby="appearance-title" class="choices">
        @for (theme of themes.themes(); track theme.slug) {
          <mat-radio-button [value]="theme.slug" [attr.data-testid]="'theme-' + theme.slug">{{ theme.name }}</mat-radio-button>
        }
      </mat-radio-group>
      <details class="custom">
        <summary>Make a custom palette</summary>
        <form (submit)="$event.preventDefault(); save()">
          <label>Name <input type="text" maxlength="60" [value]="name()" (input)="name.set($any($event.target).value)" data-testid="custom-name" /></label>
          <label>Base
            <select [value]="scheme()" (change)="scheme.set($any($event.target).value)" data-testid="custom-scheme">
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <label>Accent <input type="color" [value]="primary()" (input)="primary.set($any($event.target).value)" data-testid="custom-primary" /></label>
          <button mat-stroked-button type="submit" data-testid="custom-save">Save and use</button>
        </form>
      </details>
    </mat-card>
  `,
  styles: `
    .section { padding: 16px; margin-bottom: 12px; }
    h2 { font: var(--mat-sys-title-medium); margin: 0 0 4px; }
    p { margin: 0 0 8px; }
    .choices { display: flex; flex-wrap: wrap; gap: 4px 16px; }
    .custom { margin-top: 8px; }
    .custom summary { cursor: pointer; padding: 4px 0; }
    form { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin-top: 8px; }
    label { display: inline-flex; align-items: center; gap: 6px; }
    input[type='text'], select { font: inherit; padding: 4px 6px; color: inherit; background: var(--mat-sys-surface); border: 1px solid var(--mat-sys-outline); border-radius: 4px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AppearanceCard {
  protected readonly themes = inject(ThemeService);
  protected readonly name = signal('My theme');
  protected readonly scheme = signal<ThemeScheme>('light');
  protected readonly primary = signal('#6750a4');

  protected async save(): Promise<void> {
    const accent = this.primary();
    await this.themes.saveCustom(this.name(), this.scheme(), {
      primary: accent,
      'primary-container': accent,
      'on-primary': readableOn(accent),
      'on-primary-container': readableOn(accent),
    });
  }
}

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}
