/**
 * The messages between the shell and a sandboxed extension frame (see host/src/gateway/ui-frames.ts).
 *
 * On the window (no secret travels this way):
 * - frame → `window.top`: `hello` with the proof its document was served with, transferring the
 *   shell's end of a MessageChannel the frame made. The shell never posts a port to a frame's
 *   window: whoever placed the frame could navigate it to a document of its own between the hello
 *   and the answer, and a message to a window goes to whatever document it holds by then;
 * - frame → `window.parent`: `size`, so whoever holds its `<iframe>` sizes it.
 *
 * Everything else travels on the port, which only the shell holds the other end of.
 */
import type { PageRoute, PersonaInfo, SlotContext, SlotEntry } from '@kith/sdk';

export const FRAME_MESSAGE = 'kithFrame';

export type WindowMessage =
  | { readonly kithFrame: 'hello'; readonly proof: string }
  | { readonly kithFrame: 'size'; readonly width: number; readonly height: number };

/** How a frame is laid out: across its slot's width (`fill`), or as wide as its content (`inline`). */
export type FrameLayout = 'fill' | 'inline';

export interface FrameTheme {
  /** Material's `--mat-sys-*` custom properties and the shell's own `--kith-*`, as computed. */
  readonly vars: Readonly<Record<string, string>>;
  readonly colorScheme: string;
  readonly font: string;
  readonly color: string;
}

export interface FrameProps {
  readonly peer: string | null;
  readonly route: PageRoute | null;
  readonly context: SlotContext | null;
}

/** A view placed in a frame's open slot: a nested frame to load from `url`. */
export interface NestedView {
  readonly key: string;
  readonly url: string;
  /** The sandbox the host chose for it (with `allow-same-origin` only on an origin of its own). */
  readonly sandbox: string;
  readonly title: string;
  readonly layout: FrameLayout;
  /** Whether its extension may use capture devices (`media.capture`); the host's policy on its document decides in the end. */
  readonly devices: boolean;
}

export interface ErrorShape {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

export interface FetchAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: ArrayBuffer | null;
}

export interface FetchInit {
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | ArrayBuffer | null;
}

export type ShellToFrame =
  | {
      readonly t: 'init';
      readonly extensionId: string;
      readonly persona: PersonaInfo;
      readonly tag: string;
      readonly source: string;
      readonly opensSlots: readonly string[];
      /** Those of `opensSlots` that are slots of entries. */
      readonly entrySlots: readonly string[];
      readonly props: FrameProps;
      readonly theme: FrameTheme;
      readonly rendezvousUrl: string | null;
      readonly layout: FrameLayout;
      readonly socketConnected: boolean;
      /** The page's origin: the icon font and media URLs come from there. */
      readonly pageOrigin: string;
    }
  | { readonly t: 'props'; readonly props: FrameProps }
  | { readonly t: 'theme'; readonly theme: FrameTheme }
  | { readonly t: 'rendezvous-url'; readonly url: string | null }
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly error: ErrorShape }
  | { readonly t: 'event'; readonly id: number; readonly payload: unknown }
  | { readonly t: 'sock'; readonly event: string; readonly args: readonly unknown[] }
  | { readonly t: 'sock-ack'; readonly ack: number; readonly timedOut: boolean; readonly answer: unknown }
  | { readonly t: 'slot-views'; readonly id: number; readonly views: readonly NestedView[] }
  | { readonly t: 'slot-entries'; readonly id: number; readonly entries: readonly SlotEntry[] }
  | { readonly t: 'notify-action'; readonly id: number };

/** What a frame asks the shell to do for it, answered by a `reply`. */
export type CallRequest =
  | { readonly op: 'fetch'; readonly path: string; readonly init: FetchInit }
  | { readonly op: 'request'; readonly method: string; readonly path: string; readonly body: unknown }
  | { readonly op: 'mediaUrl'; readonly path: string }
  | { readonly op: 'dialog'; readonly view: string; readonly context: SlotContext | null };

export type FrameToShell =
  | ({ readonly t: 'call'; readonly id: number } & CallRequest)
  | { readonly t: 'sub'; readonly id: number; readonly scope: 'extension' | 'host'; readonly name: string }
  | { readonly t: 'unsub'; readonly id: number }
  | { readonly t: 'emit'; readonly name: string; readonly payload: unknown }
  | { readonly t: 'navigate'; readonly route: string }
  | { readonly t: 'notify'; readonly message: string; readonly action: { readonly label: string; readonly id: number } | null }
  | { readonly t: 'sock'; readonly event: string; readonly args: readonly unknown[]; readonly ack: number | null }
  | { readonly t: 'slot'; readonly id: number; readonly slot: string; readonly context: SlotContext | null; readonly entry?: EntryRef | null }
  | { readonly t: 'watch-entries'; readonly id: number; readonly slot: string; readonly context: SlotContext | null }
  | { readonly t: 'unwatch-entries'; readonly id: number }
  | { readonly t: 'close-dialog'; readonly result: unknown }
  /** The user clicked or pressed a key in the frame (a trusted event): a dialog may open now. */
  | { readonly t: 'gesture' }
  | { readonly t: 'unslot'; readonly id: number }
  | { readonly t: 'failed'; readonly message: string };

/** The view of one entry of a slot of entries (`renderSlotEntry`): its contributor, view and id. */
export interface EntryRef {
  readonly extension: string;
  readonly view: string;
  readonly id: string;
}

/** An entry reference as a frame sent it, checked; null when it is not one. */
export function entryRefOf(value: unknown): EntryRef | null {
  if (typeof value !== 'object' || value === null) return null;
  const { extension, view, id } = value as Record<string, unknown>;
  const fits = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
  return fits(extension, 64) && fits(view, 64) && fits(id, 128) ? { extension, view, id } : null;
}

/** Frames never grow past this (a hostile one could ask for any size). */
export const MAX_FRAME_PIXELS = 100_000;

export function isWindowMessage(data: unknown): data is WindowMessage {
  return typeof data === 'object' && data !== null && typeof (data as { kithFrame?: unknown }).kithFrame === 'string';
}

/** Clamp a size a frame reported to whole pixels in [0, MAX_FRAME_PIXELS]. */
export function clampPixels(value: unknown): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.ceil(value) : 0;
  return Math.min(Math.max(n, 0), MAX_FRAME_PIXELS);
}

/**
 * Size an `<iframe>` from the `size` messages its document posts to this window (the shell for its
 * frames, a frame for the nested ones it placed). Returns the remover.
 */
export function followFrameSizes(window: Window, frameFor: (source: MessageEventSource | null) => { element: HTMLIFrameElement; layout: FrameLayout } | undefined): () => void {
  const listener = (event: MessageEvent) => {
    if (!isWindowMessage(event.data) || event.data.kithFrame !== 'size') return;
    const frame = frameFor(event.source);
    if (!frame) return;
    frame.element.style.height = `${clampPixels(event.data.height)}px`;
    if (frame.layout === 'inline') frame.element.style.width = `${clampPixels(event.data.width)}px`;
  };
  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}

/** The `media.capture` permission (an extension's views may use the microphone, camera and screen). */
export const MEDIA_CAPTURE_PERMISSION = 'media.capture';

/**
 * The `<iframe>` every framed view gets, sandboxed at once (the tightest sandbox until its own
 * arrives with its `src`). `devices`: whether to pass on the page's microphone, camera and screen
 * grants (the host's Permissions-Policy on the frame's document turns them off for an extension
 * without `media.capture` whatever this says).
 */
export function createViewFrame(document: Document, title: string, layout: FrameLayout, devices: boolean): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', OPAQUE_FRAME_SANDBOX);
  // The browser's own prompt and indicators still apply to what is passed on.
  frame.setAttribute('allow', devices ? 'microphone *; camera *; display-capture *; autoplay *; fullscreen *' : 'autoplay *; fullscreen *');
  frame.setAttribute('title', title);
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.style.border = '0';
  frame.style.display = layout === 'fill' ? 'block' : 'inline-block';
  frame.style.verticalAlign = 'middle';
  frame.style.maxWidth = '100%';
  frame.style.width = layout === 'fill' ? '100%' : '0px';
  frame.style.height = '0px';
  return frame;
}

/** The sandbox of a view frame without an origin of its own (host/src/gateway/ui-frames.ts chooses). */
export const OPAQUE_FRAME_SANDBOX = 'allow-scripts allow-forms allow-downloads';
const SANDBOXES = new Set([OPAQUE_FRAME_SANDBOX, 'allow-scripts allow-same-origin allow-forms allow-downloads']);

/** One of the two sandboxes the host hands out, else the opaque one (never anything wider). */
export function knownSandbox(value: unknown): string {
  return typeof value === 'string' && SANDBOXES.has(value) ? value : OPAQUE_FRAME_SANDBOX;
}
