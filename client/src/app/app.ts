import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { RouteFocus } from './a11y/route-focus';
import { FullscreenNotice } from './frames/fullscreen-notice';
import { ThemeService } from './theme/theme-service';

/** The root: everything is routed (login gate or the unlocked shell). */
@Component({
  selector: 'kith-root',
  imports: [RouterOutlet],
  template: '<router-outlet />',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  constructor() {
    inject(RouteFocus).start();
    inject(ThemeService).start();
    inject(FullscreenNotice).start();
  }
}
