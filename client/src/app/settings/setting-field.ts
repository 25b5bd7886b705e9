import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { describeError } from '../api/api-error';
import type { ContributedSetting } from '../extensions/extension-entry';
import { ExtensionsStore } from '../extensions/extensions-store';

/** One contributed per-persona setting, stored by the host. */
@Component({
  selector: 'kith-setting-field',
  imports: [MatSlideToggleModule, MatFormFieldModule, MatInputModule],
  template: `
    @let s = setting().item;
    @if (s.type === 'boolean') {
      <mat-slide-toggle [checked]="value() === true" (change)="save($event.checked)">{{ s.label }}</mat-slide-toggle>
    } @else {
      <mat-form-field appearance="outline">
        <mat-label>{{ s.label }}</mat-label>
        <input matInput [type]="s.type === 'number' ? 'number' : 'text'" [value]="value()"
               [attr.min]="s.minimum ?? null" [attr.max]="s.maximum ?? null" [attr.step]="s.type === 'number' ? (s.integer ? 1 : 'any') : null"
               (change)="save(s.type === 'number' ? +$any($event.target).value : $any($event.target).value)" />
      </mat-form-field>
    }
    @if (error(); as e) { <p class="error-text" role="alert">{{ e }}</p> }
  `,
  styles: `:host { display: block; margin: 8px 0; } mat-form-field { width: 100%; max-width: 420px; }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SettingField {
  readonly #store = inject(ExtensionsStore);
  readonly setting = input.required<ContributedSetting>();
  protected readonly error = signal<string | null>(null);
  protected readonly value = computed(() => {
    const { extension, item } = this.setting();
    return extension.settings[item.id] ?? item.default;
  });

  protected async save(value: boolean | string | number): Promise<void> {
    const { extension, item } = this.setting();
    try {
      await this.#store.setSetting(extension.id, item.id, value);
      this.error.set(null);
    } catch (error) {
      this.error.set(describeError(error));
    }
  }
}
