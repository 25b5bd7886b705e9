import type { ErrorDeclaration } from './extension-errors.js';

/**
 * The `kith` section of an extension's package.json. The host validates it before activation and
 * refuses an extension whose `hostVersion` range does not include the running host or whose
 * dependencies are missing.
 */
export interface ExtensionManifest {
  /**
   * Unique id, `^[a-z][a-z0-9-]{1,31}$`, e.g. `chat`. A third-party id may not be a name the host
   * or a built-in answers under: `ext`, the first segment of their routes (`sessions`, `friends`,
   * `extensions`, …) or a family of the host's page events (`session`, `extensions`, `bus`);
   * such an extension is refused at load (docs/extensions.md, section 3).
   */
  readonly id: string;
  /** Human-readable name shown on the Extensions page. */
  readonly displayName: string;
  /** A sentence shown under the name. */
  readonly description?: string;
  /**
   * Semver range of extension API versions this extension works with, e.g. `^1.0.0`; the host
   * checks it against the API version it implements (the SDK's `SDK_API_VERSION`).
   */
  readonly hostVersion: string;
  /** Entry module, relative to the extension folder; its default export is an `ExtensionModule`. */
  readonly main: string;
  /** Other extensions this one needs (id → semver range). They activate first. */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** Bus kinds this extension owns: built-in names (`chat.text`) or its own (`<id>.<name>`). */
  readonly kinds?: readonly string[];
  /** Whether a persona gets it turned on before choosing. Default: true. */
  readonly enabledByDefault?: boolean;
  /** Proposed API this extension uses (names from `API_PROPOSALS`); see `ctx.proposed`. */
  readonly enabledApiProposals?: readonly string[];
  /**
   * Permissions it needs (names from `EXTENSION_PERMISSIONS`, API 1.3): `"friends.manage"` for
   * `ctx.friends.save`/`update`/`remove`; `"media.capture"` (API 1.4) for the microphone, camera
   * and screen in its views. A third-party extension that lists any starts off
   * until the user turns it on (the Extensions page shows what each allows).
   */
  readonly permissions?: readonly string[];
  /** Most bytes `ctx.blobs` may hold per persona. Default 1 GiB, at most 1 TiB. */
  readonly blobQuotaBytes?: number;
  /**
   * The extension's own error codes (at most 100), each answered as `KITH_EXT_<ID>_<code>` with
   * its status; see `defineErrors`.
   */
  readonly errors?: readonly ErrorDeclaration[];
  readonly contributes?: Contributions;
}

/** What an extension adds to the host and the UI. */
export interface Contributions {
  /** API route patterns the extension owns, `METHOD /path` below `/api`, e.g. `POST /pair/start`. */
  readonly routes?: readonly string[];
  /** Entries in the main navigation. */
  readonly nav?: readonly NavContribution[];
  /** Views placed into named slots: the shell's ({@link ViewSlot}) or one an extension opens. */
  readonly views?: readonly ViewContribution[];
  /**
   * Open slots: places in this extension's own UI where other extensions contribute views. Each id
   * is `<ext-id>.<name>`; the extension renders it with `UiHost.renderSlot`.
   */
  readonly slots?: readonly SlotContribution[];
  /**
   * Buttons in the home page's header for the selected peer (e.g. "call"). Manifests written for
   * API 1.0 may still call this `chatActions`; the host reads it as `peerActions`. They show in
   * every conversation, Notes to self too (`:peer` is then `self`): a button that only makes sense
   * for a friend is a view in the `home.header` slot instead, which gets the peer and may render
   * nothing (extensions/calls/ui/call-actions.ts).
   */
  readonly peerActions?: readonly PeerActionContribution[];
  /** Per-persona settings, shown on the Settings page under the extension's name (and set with `PUT /api/extensions/<id>/settings/<setting>`). */
  readonly settings?: readonly SettingContribution[];
  /**
   * For third-party extensions: an ES module (relative path) the host serves to the page; it must
   * define every custom element the views name.
   */
  readonly uiModule?: string;
}

export interface NavContribution {
  readonly id: string;
  readonly label: string;
  /** Material Symbols icon name. */
  readonly icon: string;
  /**
   * The client route, e.g. `media` for `/media`. Segments starting with `:` are parameters
   * (`polls/:peer`): the view gets them URL-decoded as `kithRoute.params` (a custom element) or
   * the `route` input (a component), as plain strings of at most 256 characters.
   */
  readonly route: string;
  /** The view (by id) shown at that route. */
  readonly view: string;
}

/**
 * Slots the shell offers, named after the shell's layout, not a feature: `home.sidebar` (the home
 * page's side column: the conversation list), `home.main` (its main area, for the selected peer),
 * `home.connect` (the Connect / Add a friend page, beside the shell's rendezvous room),
 * `home.header` (small status views in the open conversation's header, e.g. a connection quality
 * indicator; keep them about one icon wide), `page` (a whole routed page), `settings`, `overlay`
 * (small views shown above every page, e.g. an incoming-call banner or a mini player; they stay
 * mounted while the user moves between pages and get no peer), `dialog` (API 1.7: shown only when
 * its own extension opens it with `UiHost.openDialog`, in a modal dialog). Views in the
 * `home.*` slots get the selected peer (`PeerSlotContext`).
 * Manifests written for API 1.0 may still say `chats.sidebar` / `chats.panel`; the host reads them
 * as `home.sidebar` / `home.main`.
 */
export type ViewSlot = 'home.sidebar' | 'home.main' | 'home.connect' | 'home.header' | 'page' | 'settings' | 'overlay' | 'dialog';

/** A slot an extension opens for others: `<ext-id>.<name>`, e.g. `polls.toolbar`. */
export interface SlotContribution {
  readonly id: string;
  /** What the slot is for, for the authors of contributions. */
  readonly description?: string;
  /**
   * API 1.7: a slot of entries placed in time (e.g. chat's `chat.timeline`: a card among the
   * messages). A view contributed to it names its `entries` route; the owner reads every
   * contributor's entries with `UiHost.watchSlotEntries` and renders each with
   * `UiHost.renderSlotEntry`.
   */
  readonly entries?: boolean;
}

export interface ViewContribution {
  readonly id: string;
  /** A shell slot ({@link ViewSlot}) or an open slot's id (`polls.toolbar`) declared by any extension. */
  readonly slot: ViewSlot | (string & {});
  readonly title: string;
  /** Built-in extensions: the Angular component's export name in the extension's `ui/index.ts`. */
  readonly component?: string;
  /** Third-party extensions: the custom element tag, which must be `<ext-id>-<view>`. */
  readonly element?: string;
  /**
   * API 1.7, for a view in a slot of entries ({@link SlotContribution.entries}): one of this
   * extension's own `GET` routes, as declared, without parameters (e.g. `/polls/timeline`). The
   * shell calls it with the slot's context as query parameters (`?peer=<key>`) and expects a
   * {@link SlotEntriesAnswer}; it calls it again when the extension's host code emits
   * {@link SLOT_ENTRIES_CHANGED} (`ctx.events.emit('slot-entries-changed', {})`). The view is then
   * rendered once per entry, with `entry` (the entry's id) added to its context.
   */
  readonly entries?: string;
}

/** What a view's `entries` route answers: at most {@link MAX_SLOT_ENTRIES} entries; the newest are kept. */
export interface SlotEntriesAnswer {
  readonly entries: readonly {
    /** The entry's id within the view, 1 to 128 characters: the view gets it as `context.entry`. */
    readonly id: string;
    /** When it happened (ms since the epoch): where the owner places it among its own items. */
    readonly at: number;
    /** Whether the persona made it (a file it sent), so the owner can align it like its own items. */
    readonly from_me?: boolean;
    /** A plain-text name for the entry, up to 200 characters (e.g. "Photo, 2.1 MB"), read by screen readers. */
    readonly label?: string;
  }[];
}

export interface PeerActionContribution {
  readonly id: string;
  readonly label: string;
  readonly icon: string;
  /** Client route to open, with `:peer` replaced by the selected peer's key. */
  readonly route: string;
}

/** @deprecated The API 1.0 name of {@link PeerActionContribution}. */
export type ChatActionContribution = PeerActionContribution;

export interface SettingContribution {
  readonly id: string;
  readonly type: 'boolean' | 'string' | 'number';
  readonly label: string;
  readonly default: boolean | string | number;
  /**
   * For a `number` setting (API 1.5): the smallest and largest value the host stores (inclusive;
   * `PUT` of another answers 400 naming the range, and the Settings page offers only the range).
   * `default` must lie within them.
   */
  readonly minimum?: number;
  readonly maximum?: number;
  /**
   * For a `number` setting (API 1.6): only whole numbers (a count, a number of seconds). `PUT` of
   * a fraction answers 400, the Settings page steps by 1, and `default` must be whole.
   */
  readonly integer?: boolean;
}
