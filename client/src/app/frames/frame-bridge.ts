import { isKithError, type SlotContext, type SlotEntry, type UiHost } from '@kith/sdk';
import { ApiError } from '../api/api-error';
import { readCapped } from '../api/read-capped';
import type { BoundedReads } from '../extensions/bounded-reads';
import { PERSONA_HEADER, type HttpMethod } from '../api/api-client';
import type { Realtime } from '../realtime/realtime';
import { FrameChannelRelay } from './frame-channel-relay';
import { entryRefOf, type CallRequest, type EntryRef, type ErrorShape, type FrameLayout, type FrameProps, type FrameTheme, type FrameToShell, type NestedView, type ShellToFrame } from './frame-protocol';
import { mayFollowHostEvent, refusePath, type ScopeRefusal } from './frame-scope';
import { fitsPayload } from './payload-size';

const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const isIdentityState = (path: string) => path.split(/[?#]/, 1)[0] === '/identity/state';
const MAX_SUBSCRIPTIONS = 256;
/** Open slots one view may render at once (each loads a frame per contributing view). */
const MAX_SLOTS = 32;
const MAX_NAME = 200;
/**
 * Largest event payload or channel message a view may send through the page's socket (a page
 * channel's largest message, 1 MiB, with room): socket.io drops the whole connection (every
 * view's channels, calls' media) for a packet over 2 MiB.
 */
const MAX_EMIT_BYTES = 1.75 * 1024 * 1024;
/** How long after the user clicks a view's message action the view may move the page. */
const NAVIGATE_AFTER_ACTION_MS = 5000;
/** Largest context a view may pass to a slot it opens or a dialog (other extensions' views get it). */
const MAX_CONTEXT_BYTES = 64 * 1024;
/** Largest answer body a view's fetch may get: the shell holds it whole before it hands it over. */
const MAX_FETCH_ANSWER_BYTES = 64 * 1024 * 1024;

/** What a bridge needs from the shell (FramedViews provides it). */
export interface BridgeShell {
  /** The shell's own UiHost for the view's extension: the bridge passes it only what frame-scope.ts allows. */
  readonly host: UiHost;
  readonly socket: Realtime['raw'];
  theme(): FrameTheme;
  rendezvousUrl(): string | null;
  opensSlots(extensionId: string): readonly string[];
  /** The slots of entries among them. */
  entrySlots(extensionId: string): readonly string[];
  /**
   * Render `slot`'s views for a frame (or, given `entry`, that one entry's view): calls `show`
   * with the list now and whenever it changes.
   */
  renderSlot(owner: string, slot: string, context: SlotContext | null, show: (views: readonly NestedView[]) => void, entry: EntryRef | null): () => void;
  /** The API calls of `extensionId`'s frames, together: bounded, so its hanging routes cannot take the page's connections. */
  calls(extensionId: string): BoundedReads;
  /** The user acted in a frame (the browser's own activation is checked as well, when a dialog opens). */
  gesture(extensionId: string): void;
  /** Whether the user just acted in one of `extensionId`'s frames (a click there, the focus still there). */
  userActedIn(extensionId: string): Promise<boolean>;
  /** Read a slot of entries for a frame made for `persona`: calls `show` with the entries now and whenever they change. */
  watchEntries(slot: string, context: SlotContext | null, show: (entries: readonly SlotEntry[]) => void, persona: string): () => void;
}

export interface BridgeInit {
  readonly extensionId: string;
  readonly tag: string;
  /** The UI module's text, fetched while the frame loads. */
  readonly moduleSource: Promise<string>;
  readonly layout: FrameLayout;
  readonly props: FrameProps;
  /** The view could not start (its module failed, defined no such element). */
  readonly onFailure: (message: string) => void;
}

/**
 * The shell's end of one sandboxed view: answers what its frame asks on the port, for its own
 * extension only (frame-scope.ts), and passes it the props, theme and host events it may see.
 */
export class FrameBridge {
  readonly #shell: BridgeShell;
  readonly #init: BridgeInit;
  readonly #port: MessagePort;
  readonly #subscriptions = new Map<number, () => void>();
  readonly #slots = new Map<number, () => void>();
  readonly #channels: FrameChannelRelay;
  #props: FrameProps;
  #disposed = false;
  /** Aborts this view's calls, waiting or under way, when it goes. */
  readonly #cancel = new AbortController();
  /** The persona the view was made for: each of its requests names it, and the host refuses one for another (lock-gate.ts). */
  readonly #persona: string;
  /** When the user last clicked the action of a message this view showed (`notify`). */
  #notifyActionAt = -Infinity;

  constructor(shell: BridgeShell, init: BridgeInit, port: MessagePort) {
    this.#shell = shell;
    this.#init = init;
    this.#port = port;
    this.#props = init.props;
    this.#persona = shell.host.persona.slug;
    this.#channels = new FrameChannelRelay(
      shell.socket,
      init.extensionId,
      (event, args) => this.#post({ t: 'sock', event, args }),
      (ack, timedOut, answer) => this.#post({ t: 'sock-ack', ack, timedOut, answer }),
    );
    port.onmessage = (event) => void this.#receive(event.data as FrameToShell);
  }

  /** Hand the frame the module's text (it imports it from a blob) and start the view. */
  async start(): Promise<void> {
    let source: string;
    try {
      source = await this.#init.moduleSource;
    } catch (error) {
      this.#init.onFailure(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.#disposed) return;
    this.#post({
      t: 'init',
      extensionId: this.#init.extensionId,
      persona: { ...this.#shell.host.persona },
      tag: this.#init.tag,
      source,
      opensSlots: this.#shell.opensSlots(this.#init.extensionId),
      entrySlots: this.#shell.entrySlots(this.#init.extensionId),
      props: this.#props,
      theme: this.#shell.theme(),
      rendezvousUrl: this.#shell.rendezvousUrl(),
      layout: this.#init.layout,
      socketConnected: this.#shell.socket.connected(),
      pageOrigin: location.origin,
    });
  }

  setProps(props: FrameProps): void {
    this.#props = props;
    this.#post({ t: 'props', props });
  }

  setTheme(theme: FrameTheme): void {
    this.#post({ t: 'theme', theme });
  }

  setRendezvousUrl(url: string | null): void {
    this.#post({ t: 'rendezvous-url', url });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cancel.abort();
    for (const stop of this.#subscriptions.values()) stop();
    this.#subscriptions.clear();
    for (const stop of this.#slots.values()) stop();
    this.#slots.clear();
    this.#channels.dispose();
    this.#port.onmessage = null;
    this.#port.close();
  }

  /** A JSON request on the view's behalf, naming its persona. */
  async #json<T>(method: HttpMethod, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.#shell.host.fetch(path, {
      method,
      headers: [[PERSONA_HEADER, this.#persona]],
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) throw await ApiError.from(response);
    const text = response.status === 204 ? '' : await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `GET /identity/state` as a view sees it: its own persona only, never the others on this machine. */
  async #identityState(): Promise<unknown> {
    const state = await this.#shell.host.request<{ locked: boolean; active_slug: string | null; personas: { slug: string }[] }>('GET', '/identity/state');
    const own = state.active_slug === this.#persona && !state.locked;
    return { locked: !own, active_slug: own ? this.#persona : null, personas: state.personas.filter((p) => own && p.slug === this.#persona) };
  }

  /**
   * Another persona is active than the one this view was made for (switched from another tab or
   * client; the shell re-renders its views as soon as it hears): until then the view gets none of
   * that persona's events and its own messages go nowhere, calls are refused by the host (409).
   */
  #stale(): boolean {
    return this.#shell.host.persona.slug !== this.#persona;
  }

  #post(message: ShellToFrame, transfer: Transferable[] = []): void {
    if (this.#disposed) return;
    if ((message.t === 'event' || message.t === 'sock' || message.t === 'sock-ack' || message.t === 'slot-entries') && this.#stale()) return;
    try {
      this.#port.postMessage(message, transfer);
    } catch (error) {
      // Something that does not clone (a host payload never should): the frame misses that one.
      console.error('a message to an extension frame failed', error);
    }
  }

  async #receive(message: FrameToShell): Promise<void> {
    if (this.#disposed || typeof message !== 'object' || message === null) return;
    if (message.t !== 'call' && message.t !== 'unsub' && message.t !== 'unslot' && message.t !== 'unwatch-entries' && this.#stale()) return;
    const id = this.#init.extensionId;
    switch (message.t) {
      case 'call':
        return this.#answerCall(message);
      case 'sub': {
        if (!Number.isSafeInteger(message.id) || typeof message.name !== 'string' || message.name.length > MAX_NAME) return;
        if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS || this.#subscriptions.has(message.id)) return;
        const host = message.scope === 'host';
        if (host ? !mayFollowHostEvent(id, message.name) : message.name.startsWith('~')) return;
        const subscription = message.id;
        const deliver = (payload: unknown) => this.#post({ t: 'event', id: subscription, payload });
        const listening = host ? this.#shell.host.onHostEvent(message.name, deliver) : this.#shell.host.on(message.name, deliver);
        this.#subscriptions.set(subscription, () => listening.dispose());
        return;
      }
      case 'unsub':
        this.#subscriptions.get(message.id)?.();
        this.#subscriptions.delete(message.id);
        return;
      case 'emit':
        if (typeof message.name !== 'string' || message.name.length === 0 || message.name.length > MAX_NAME) return;
        // Not while the page is away from the host: the socket would keep every one, without bound.
        if (this.#shell.socket.connected() && fitsPayload(message.payload, MAX_EMIT_BYTES)) this.#shell.host.emit(message.name, message.payload);
        return;
      case 'navigate':
        if (typeof message.route === 'string' && message.route.length <= 2048) await this.#navigateIfAsked(message.route);
        return;
      case 'notify': {
        if (typeof message.message !== 'string') return;
        const action = message.action;
        const label = action && typeof action.label === 'string' ? action.label.slice(0, 40) : undefined;
        const run = () => {
          this.#notifyActionAt = performance.now();
          this.#post({ t: 'notify-action', id: action!.id });
        };
        this.#shell.host.notify(message.message.slice(0, 500), label && action ? { label, run } : undefined);
        return;
      }
      case 'sock':
        if (typeof message.event !== 'string' || !Array.isArray(message.args) || message.args.length > 4) return;
        if (!this.#shell.socket.connected() || !fitsPayload(message.args, MAX_EMIT_BYTES)) return;
        this.#channels.fromFrame(message.event, message.args, typeof message.ack === 'number' ? message.ack : null);
        return;
      case 'slot': {
        const slotId = message.id;
        if (!Number.isSafeInteger(slotId) || this.#slots.has(slotId) || this.#slots.size >= MAX_SLOTS || typeof message.slot !== 'string') return;
        const entry = message.entry === undefined || message.entry === null ? null : entryRefOf(message.entry);
        if (message.entry != null && !entry) return;
        if (!(entry ? this.#shell.entrySlots(id) : this.#shell.opensSlots(id)).includes(message.slot)) return;
        const context = message.context === null || typeof message.context !== 'object' ? null : message.context;
        if (!fitsPayload(context, MAX_CONTEXT_BYTES)) return;
        this.#slots.set(slotId, this.#shell.renderSlot(id, message.slot, context, (views) => this.#post({ t: 'slot-views', id: slotId, views }), entry));
        return;
      }
      case 'watch-entries': {
        const watchId = message.id;
        // Counted with the slots: each watch reads every contributor's route.
        if (!Number.isSafeInteger(watchId) || this.#slots.has(watchId) || this.#slots.size >= MAX_SLOTS || typeof message.slot !== 'string') return;
        if (!this.#shell.entrySlots(id).includes(message.slot)) return;
        const context = message.context === null || typeof message.context !== 'object' ? null : message.context;
        if (!fitsPayload(context, MAX_CONTEXT_BYTES)) return;
        this.#slots.set(watchId, this.#shell.watchEntries(message.slot, context, (entries) => this.#post({ t: 'slot-entries', id: watchId, entries }), this.#persona));
        return;
      }
      case 'close-dialog':
        this.#shell.host.closeDialog(message.result);
        return;
      case 'gesture':
        this.#shell.gesture(this.#init.extensionId);
        return;
      case 'unslot':
      case 'unwatch-entries':
        this.#slots.get(message.id)?.();
        this.#slots.delete(message.id);
        return;
      case 'failed':
        // Once, and the view is over: its words do not get to show in Kith's page again and again.
        this.#init.onFailure(typeof message.message === 'string' ? message.message.slice(0, 300) : 'its view failed');
        this.dispose();
        return;
    }
  }

  /**
   * Move Kith's page to `route` only in answer to the user: a click in one of the extension's
   * frames, or on the action of a message this view showed. Else a view (an overlay stays on every
   * page) could keep the user from any page, the Extensions page where they would turn it off too.
   */
  async #navigateIfAsked(route: string): Promise<void> {
    const asked = performance.now() - this.#notifyActionAt < NAVIGATE_AFTER_ACTION_MS || (await this.#shell.userActedIn(this.#init.extensionId));
    if (asked && !this.#disposed && !this.#stale()) this.#shell.host.navigate(route);
  }

  /** `call` in its turn among every frame's calls; aborted when this view goes. */
  #limited<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.#shell.calls(this.#init.extensionId).run(call, this.#cancel.signal);
  }

  async #answerCall(message: CallRequest & { readonly id: number }): Promise<void> {
    const id = message.id;
    const fail = (error: ErrorShape) => this.#post({ t: 'reply', id, ok: false, error });
    const refuse = (refusal: ScopeRefusal) => fail(refusal);
    try {
      if (message.op === 'fetch') {
        const init = message.init;
        const method = typeof init?.method === 'string' ? init.method.toUpperCase() : 'GET';
        const refusal = refusePath(this.#init.extensionId, method, message.path);
        if (refusal) return refuse(refusal);
        const headers = Array.isArray(init?.headers) ? init.headers.filter((h) => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string' && h[0].toLowerCase() !== PERSONA_HEADER) : [];
        const body = typeof init?.body === 'string' || init?.body instanceof ArrayBuffer ? init.body : null;
        const { response, bytes } = await this.#limited(async (signal) => {
          const response = isIdentityState(message.path)
            ? new Response(JSON.stringify(await this.#identityState()), { headers: { 'content-type': 'application/json' } })
            : await this.#shell.host.fetch(message.path, { method, headers: [...(headers as [string, string][]), [PERSONA_HEADER, this.#persona]], body: method === 'GET' || method === 'HEAD' ? null : body, signal });
          // Read within the turn: the connection is busy until the body has come.
          return { response, bytes: method === 'HEAD' || response.status === 204 || response.status === 304 ? null : await answerBytes(response) };
        });
        this.#post(
          { t: 'reply', id, ok: true, value: { status: response.status, statusText: response.statusText, headers: [...response.headers], body: bytes } },
          bytes ? [bytes] : [],
        );
      } else if (message.op === 'request') {
        const method = String(message.method).toUpperCase() as HttpMethod;
        if (!METHODS.has(method)) return fail({ code: 'KITH_ERR_BAD_REQUEST', status: 400, message: 'method must be GET, POST, PUT, PATCH or DELETE' });
        const refusal = refusePath(this.#init.extensionId, method, message.path);
        if (refusal) return refuse(refusal);
        const value = isIdentityState(message.path) ? await this.#identityState() : await this.#limited((signal) => this.#json(method, message.path, message.body, signal));
        this.#post({ t: 'reply', id, ok: true, value });
      } else if (message.op === 'dialog') {
        if (typeof message.view !== 'string' || message.view.length > MAX_NAME) return fail({ code: 'KITH_ERR_BAD_REQUEST', status: 400, message: 'openDialog needs a view id' });
        // A view of a persona no longer active: its dialog would show in the other persona's page.
        if (this.#stale()) return fail({ code: 'KITH_ERR_FORBIDDEN', status: 403, message: 'This view belongs to a persona that is no longer active' });
        const context = message.context === null || typeof message.context !== 'object' ? undefined : message.context;
        if (!fitsPayload(context, MAX_CONTEXT_BYTES)) return fail({ code: 'KITH_ERR_PAYLOAD_TOO_LARGE', status: 413, message: 'A dialog context is at most 64 KiB' });
        const result = await this.#shell.host.openDialog(message.view, context);
        if (!this.#disposed) this.#post({ t: 'reply', id, ok: true, value: result });
      } else if (message.op === 'mediaUrl') {
        const refusal = refusePath(this.#init.extensionId, 'GET', message.path);
        if (refusal) return refuse(refusal);
        const { url } = await this.#limited((signal) => this.#json<{ url: string }>('POST', '/media-url', { path: message.path }, signal));
        // Absolute: the frame's own origin is not the page's.
        this.#post({ t: 'reply', id, ok: true, value: new URL(url, location.origin).href });
      }
    } catch (error) {
      if (error instanceof ApiError || isKithError(error)) fail({ code: error.code, status: error.status, message: error.message });
      else fail({ code: 'KITH_ERR_INTERNAL', status: 500, message: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** A view's fetch answer, refused past {@link MAX_FETCH_ANSWER_BYTES}. */
async function answerBytes(response: Response): Promise<ArrayBuffer> {
  const body = await readCapped(response, MAX_FETCH_ANSWER_BYTES);
  if (!body) throw new ApiError(413, 'KITH_ERR_PAYLOAD_TOO_LARGE', "A view's fetch answer is at most 64 MiB; read larger data in ranges");
  return body.arrayBuffer();
}
