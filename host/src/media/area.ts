import type { HostArea, Kernel } from '../core/area.js';
import { MediaPreviewer } from './media-previewer.js';

/** The media area: `ctx.media`, one previewer shared by every extension and persona. */
export function createMediaArea(kernel: Kernel): HostArea {
  const previewer = new MediaPreviewer({
    // The failure kind only: ffmpeg's own words can quote the (private) input.
    onFailure: (detail) => kernel.log.info(detail, 'media preview failed'),
  });
  return { name: 'media', providers: { media: () => previewer } };
}
