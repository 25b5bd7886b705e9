/**
 * The bootstrap of a sandboxed extension frame (built to `kith-frame.js`, inlined by the host into
 * each frame document). It proves itself to the shell (handing it one end of a channel), imports the extension's UI
 * module and gives its element a `UiHost` whose every call is a message the shell answers for this
 * extension only. Nothing here is trusted by the shell: the extension's code shares this realm.
 */
import { Disposable, KithError, PageChannelClient, type PageChannel, type PageRoute, type PersonaInfo, type SlotContext, type SlotEntry, type UiHost } from '@kith/sdk';
import {
  FRAME_MESSAGE,
  createViewFrame,
  entryRefOf,
  knownSandbox,
  followFrameSizes,
  type CallRequest,
  type EntryRef,
  type ErrorShape,
  type FetchAnswer,
  type FrameLayout,
  type FrameProps,
  type FrameTheme,
  type FrameToShell,
  type NestedView,
  type ShellToFrame,
} from '../app/frames/frame-protocol';
import { PortSocket } from './port-socket';
import { fetchInitOf } from './fetch-init';

type ViewElement = HTMLElement & { kithHost?: UiHost; kithPeer?: string | null; kithRoute?: PageRoute | null; kithContext?: SlotContext | null };

/** An API error as the shell's UiHost throws it: the host's `code` and HTTP `status`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const proofTag = document.querySelector<HTMLMetaElement>('meta[name="kith-frame-proof"]');
const proof = proofTag?.content ?? '';
proofTag?.remove();
// The page that asked for this frame: the hello (proof and channel) goes to a top window of that
// origin only, so a frame URL that leaked into another site's page hands that page nothing.
const pageOrigin = document.querySelector<HTMLMetaElement>('meta[name="kith-page-origin"]')?.content ?? '';

// This frame's end of its channel to the shell; the other end goes with the hello (frame-protocol.ts).
const channel = new MessageChannel();
const port = channel.port1;
let nextId = 1;
const replies = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
const handlers = new Map<number, (payload: unknown) => void>();
const notifyActions = new Map<number, () => void>();
const slotViews = new Map<number, (views: readonly NestedView[]) => void>();
const slotEntries = new Map<number, (entries: readonly SlotEntry[]) => void>();
const placed = new Map<MessageEventSource, { element: HTMLIFrameElement; layout: FrameLayout }>();
let socket: PortSocket | undefined;
let element: ViewElement | undefined;
let opensSlots: readonly string[] = [];
let entrySlots: readonly string[] = [];

const post = (message: FrameToShell, transfer: Transferable[] = []) => port.postMessage(message, transfer);

port.onmessage = (message) => receive(message.data as ShellToFrame);
// Messages on the window are nested frames' sizes only.
followFrameSizes(window, (source) => (source ? placed.get(source) : undefined));
// The user's clicks and key presses here, for the shell's dialogs (only in answer to the user).
let gestureAt = -Infinity;
const gesture = (event: Event) => {
  if (!event.isTrusted || performance.now() - gestureAt < 500) return;
  gestureAt = performance.now();
  post({ t: 'gesture' });
};
window.addEventListener('pointerdown', gesture, { capture: true });
window.addEventListener('keydown', gesture, { capture: true });
if (pageOrigin) window.top?.postMessage({ [FRAME_MESSAGE]: 'hello', proof }, pageOrigin, [channel.port2]);

function call<T>(message: CallRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    replies.set(id, { resolve: resolve as (value: unknown) => void, reject });
    post({ ...message, t: 'call', id });
  });
}

function errorOf(shape: ErrorShape): ApiError {
  return new ApiError(shape.status, shape.code, shape.message);
}

function receive(message: ShellToFrame): void {
  switch (message.t) {
    case 'init':
      void start(message);
      return;
    case 'props':
      applyProps(message.props);
      return;
    case 'theme':
      applyTheme(message.theme);
      return;
    case 'rendezvous-url':
      shareRendezvousUrl(message.url);
      return;
    case 'reply': {
      const waiting = replies.get(message.id);
      replies.delete(message.id);
      if (message.ok) waiting?.resolve(message.value);
      else waiting?.reject(errorOf(message.error));
      return;
    }
    case 'event':
      handlers.get(message.id)?.(message.payload);
      return;
    case 'sock':
      socket?.deliver(message.event, message.args);
      return;
    case 'sock-ack':
      socket?.acknowledge(message.ack, message.timedOut, message.answer);
      return;
    case 'slot-views':
      slotViews.get(message.id)?.(message.views);
      return;
    case 'slot-entries':
      slotEntries.get(message.id)?.(message.entries);
      return;
    case 'notify-action':
      notifyActions.get(message.id)?.();
      return;
  }
}

async function start(init: Extract<ShellToFrame, { t: 'init' }>): Promise<void> {
  if (element) return;
  opensSlots = init.opensSlots;
  entrySlots = init.entrySlots;
  applyTheme(init.theme);
  addShellStyles(init.pageOrigin);
  shareRendezvousUrl(init.rendezvousUrl);
  socket = new PortSocket(init.socketConnected, (event, args, ack) => post({ t: 'sock', event, args, ack }));
  const channels = new PageChannelClient(socket, (error) => console.error('a page channel listener failed', error));
  const host = createHost(init.extensionId, init.persona, channels);
  const moduleUrl = URL.createObjectURL(new Blob([init.source], { type: 'text/javascript' }));
  try {
    await import(/* @vite-ignore */ moduleUrl);
  } catch (error) {
    post({ t: 'failed', message: `its UI module failed: ${error instanceof Error ? error.message : String(error)}` });
    return;
  } finally {
    URL.revokeObjectURL(moduleUrl);
  }
  if (!customElements.get(init.tag)) {
    post({ t: 'failed', message: `its UI module did not define <${init.tag}>` });
    return;
  }
  const wrapper = document.createElement('div');
  wrapper.style.display = 'flow-root';
  if (init.layout === 'inline') wrapper.style.width = 'max-content';
  document.body.append(wrapper);
  new ResizeObserver(() => {
    const rect = wrapper.getBoundingClientRect();
    window.parent.postMessage({ [FRAME_MESSAGE]: 'size', width: Math.max(rect.width, wrapper.scrollWidth), height: Math.max(rect.height, wrapper.scrollHeight) }, '*');
  }).observe(wrapper);
  element = document.createElement(init.tag) as ViewElement;
  element.kithHost = host;
  applyProps(init.props);
  wrapper.append(element);
}

function applyProps(props: FrameProps): void {
  if (!element) return;
  element.kithPeer = props.peer;
  element.kithRoute = props.route === null ? null : deepFreeze(props.route);
  element.kithContext = props.context === null ? null : deepFreeze(props.context);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function applyTheme(theme: FrameTheme): void {
  const root = document.documentElement.style;
  for (const [name, value] of Object.entries(theme.vars)) root.setProperty(name, value);
  root.colorScheme = theme.colorScheme;
  document.body.style.font = theme.font;
  document.body.style.color = theme.color;
}

/** The whole Material Symbols font, as the shell's `material-symbols-full` icons use it (fetched only when shown), and the shell's focus ring. */
function addShellStyles(pageOrigin: string): void {
  // Its URL carries the capability Kith asks of a cross-site load of the font (the frame's origin is not the page's).
  const fontPath = document.querySelector<HTMLMetaElement>('meta[name="kith-icon-font"]')?.content || '/icons/material-symbols-full.woff2';
  const font = new URL(fontPath, pageOrigin).href;
  const style = document.createElement('style');
  style.textContent =
    `@font-face{font-family:'Material Symbols Full';font-style:normal;font-weight:400;font-display:block;src:url('${font}') format('woff2')}` +
    ".material-symbols-outlined{font-family:'Material Symbols Full';font-weight:normal;font-style:normal;font-size:24px;line-height:1;letter-spacing:normal;" +
    "text-transform:none;display:inline-block;white-space:nowrap;word-wrap:normal;direction:ltr;-webkit-font-smoothing:antialiased;font-feature-settings:'liga';" +
    "font-variation-settings:'FILL' 0,'wght' 400,'GRAD' 0,'opsz' 24}" +
    // The shell's focus ring, so keyboard focus shows the same inside a view.
    ':focus-visible{outline:2px solid var(--mat-sys-primary);outline-offset:2px}';
  document.head.append(style);
}

/** The Connect page's rendezvous URL, offered to views here as in the shell: the attribute and the window event. */
function shareRendezvousUrl(url: string | null): void {
  const root = document.documentElement;
  if (root.getAttribute('data-kith-rendezvous-url') === url) return;
  if (url === null) root.removeAttribute('data-kith-rendezvous-url');
  else root.setAttribute('data-kith-rendezvous-url', url);
  window.dispatchEvent(new CustomEvent('kith:rendezvous-url', { detail: url }));
}

function subscribe(scope: 'extension' | 'host', name: string, handler: (payload: unknown) => void): Disposable {
  const id = nextId++;
  handlers.set(id, (payload) => handler(payload));
  post({ t: 'sub', id, scope, name: String(name) });
  return new Disposable(() => {
    handlers.delete(id);
    post({ t: 'unsub', id });
  });
}

function createHost(extensionId: string, persona: PersonaInfo, channels: PageChannelClient): UiHost {
  return {
    extensionId,
    persona: Object.freeze({ ...persona }),
    async fetch(path, init) {
      const answer = await call<FetchAnswer>({ op: 'fetch', path, init: await fetchInitOf(init) });
      return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers as [string, string][] });
    },
    request: (method, path, body) => call({ op: 'request', method, path, body }),
    mediaUrl: (path) => call<string>({ op: 'mediaUrl', path }),
    on: (name, handler) => subscribe('extension', name, handler as (payload: unknown) => void),
    onHostEvent: (name, handler) => subscribe('host', name, handler),
    emit: (name, payload) => post({ t: 'emit', name, payload }),
    navigate: (route) => post({ t: 'navigate', route: String(route) }),
    notify(message, action) {
      let reference: { label: string; id: number } | null = null;
      if (action) {
        reference = { label: String(action.label), id: nextId++ };
        notifyActions.set(reference.id, () => action.run());
      }
      post({ t: 'notify', message: String(message), action: reference });
    },
    renderSlot: (container, slot, context) => renderSlot(extensionId, container as HTMLElement, slot, context, null),
    watchSlotEntries: (slot, context, onEntries) => watchSlotEntries(extensionId, slot, context, onEntries),
    renderSlotEntry: (container, slot, entry, context) => renderSlot(extensionId, container as HTMLElement, slot, context, entryOf(entry)),
    openDialog: <T>(view: string, context?: SlotContext) =>
      call<T | undefined>({ op: 'dialog', view: String(view), context: context === undefined || context === null ? null : (structuredClone(context) as SlotContext) }),
    closeDialog: (result) => post({ t: 'close-dialog', result: cloneable(result) }),
    openChannel: (name): Promise<PageChannel> => channels.open(extensionId, name),
  };
}

/** `value` if it can cross to the shell (plain data), else undefined: closing never throws in the view. */
function cloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}

/** Throws unless this extension opens `slot` (as a slot of entries, when `ofEntries`). */
function checkSlot(extensionId: string, slot: string, ofEntries: boolean): void {
  if (typeof slot !== 'string' || !slot.startsWith(`${extensionId}.`) || !(ofEntries ? entrySlots : opensSlots).includes(slot)) {
    const what = ofEntries ? 'slot of entries' : 'slot';
    throw new KithError('KITH_ERR_BAD_REQUEST', `Extension "${extensionId}" does not open ${what} "${String(slot).slice(0, 80)}" (contributes.slots)`);
  }
}

/** The parts of an entry that pick its view, checked: the caller may hand anything. */
function entryOf(entry: SlotEntry): EntryRef {
  const ref = entryRefOf(entry);
  if (!ref) throw new KithError('KITH_ERR_BAD_REQUEST', 'renderSlotEntry needs an entry from watchSlotEntries');
  return ref;
}

/** A slot of entries of this extension: the shell reads them and sends the list now and on every change. */
function watchSlotEntries(extensionId: string, slot: string, context: SlotContext, onEntries: (entries: readonly SlotEntry[]) => void): Disposable {
  checkSlot(extensionId, slot, true);
  if (typeof onEntries !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', 'watchSlotEntries needs a function to call with the entries');
  const data = context === undefined || context === null ? null : (structuredClone(context) as SlotContext);
  const id = nextId++;
  slotEntries.set(id, (entries) => onEntries(Object.freeze(entries.map((e) => Object.freeze({ ...e })))));
  post({ t: 'watch-entries', id, slot, context: data });
  return new Disposable(() => {
    slotEntries.delete(id);
    post({ t: 'unwatch-entries', id });
  });
}

/**
 * An open slot of this extension inside `container` (or one entry's view of a slot of entries):
 * a nested frame per third-party view in it, placed by the shell's list.
 */
function renderSlot(extensionId: string, container: HTMLElement, slot: string, context: SlotContext | undefined, entry: EntryRef | null): Disposable {
  if (!(container instanceof HTMLElement)) throw new KithError('KITH_ERR_BAD_REQUEST', 'renderSlot needs an element to render into');
  checkSlot(extensionId, slot, entry !== null);
  // Plain data only: what cannot be cloned throws here, at the caller.
  const data = context === undefined ? null : (structuredClone(context) as SlotContext);
  const holder = document.createElement('div');
  holder.dataset['kithSlot'] = slot;
  holder.style.display = 'contents';
  container.append(holder);
  const frames = new Map<string, HTMLIFrameElement>();
  const id = nextId++;
  slotViews.set(id, (views) => {
    const keys = new Set(views.map((v) => v.key));
    for (const [key, frame] of frames) {
      if (keys.has(key)) continue;
      frame.remove();
      frames.delete(key);
      for (const [source, entry] of placed) if (entry.element === frame) placed.delete(source);
    }
    for (const view of views) {
      let frame = frames.get(view.key);
      if (!frame) {
        frame = createViewFrame(document, view.title, view.layout, view.devices === true);
        frame.setAttribute('sandbox', knownSandbox(view.sandbox));
        frame.dataset['kithView'] = view.key;
        frame.src = view.url;
        frames.set(view.key, frame);
      }
      holder.append(frame);
      if (frame.contentWindow) placed.set(frame.contentWindow, { element: frame, layout: view.layout });
    }
  });
  post({ t: 'slot', id, slot, context: data, entry });
  return new Disposable(() => {
    slotViews.delete(id);
    post({ t: 'unslot', id });
    for (const frame of frames.values()) frame.remove();
    holder.remove();
  });
}
