import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { ExtensionsStore } from '../extensions/extensions-store';
import { ContributionOutlet } from '../extensions/contribution-outlet';
import type { ContributedSetting, ContributedView } from '../extensions/extension-entry';
import { SettingField } from './setting-field';
import { AppearanceCard } from '../theme/appearance-card';
import { PersonaCard } from './persona-card';

interface Section {
  readonly id: string;
  readonly name: string;
  readonly settings: ContributedSetting[];
  readonly views: ContributedView[];
}

/** Settings: one section per running extension that contributes settings or a `settings` view. */
@Component({
  selector: 'kith-settings-page',
  imports: [MatCardModule, ContributionOutlet, SettingField, AppearanceCard, PersonaCard],
  template: `
    <div class="page">
      <h1 tabindex="-1">Settings</h1>
      <kith-appearance-card />
      <kith-persona-card />
      @for (section of sections(); track section.id) {
        <mat-card appearance="outlined" class="section" [attr.data-extension]="section.id">
          <h2>{{ section.name }}</h2>
          @for (s of section.settings; track s.item.id) {
            <kith-setting-field [setting]="s" />
          }
          @for (v of section.views; track v.item.id) {
            <kith-contribution-outlet [view]="v" />
          }
        </mat-card>
      }
    </div>
  `,
  styles: `
    h1 { font: var(--mat-sys-headline-small); margin: 8px 0; }
    h2 { font: var(--mat-sys-title-medium); margin: 0 0 8px; }
    .section { padding: 16px; margin-bottom: 12px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingsPage {
  readonly #store = inject(ExtensionsStore);
  protected readonly sections = computed<Section[]>(() =>
    this.#store
      .running()
      .map((extension) => ({
        id: extension.id,
        name: extension.name,
        settings: this.#store.settings().filter((s) => s.extension.id === extension.id),
        views: this.#store.viewsIn('settings').filter((v) => v.extension.id === extension.id),
      }))
      .filter((s) => s.settings.length > 0 || s.views.length > 0),
  );
}
