/**
 * @kith/sdk: the only module a Kith extension imports. Its runtime part (Disposable, EventEmitter,
 * errors, kinds, defineExtension) is stateless, so an extension may bundle it; everything that
 * reaches the host comes through the `ExtensionContext` handed to `activate`.
 */
export { Disposable, type DisposableLike } from './disposable.js';
export { EventEmitter, type Event } from './event.js';
export { ERRORS, EXTENSION_ERROR_CODE, KithError, isKithError, type ErrorCode, type ExtensionErrorCode, type KithErrorCode } from './errors.js';
export {
  ERROR_NAME_PATTERN, ExtensionError, defineErrors, extensionErrorCode, parseExtensionErrorCode,
  type ErrorDeclaration, type ExtensionErrorCodeOf, type ExtensionErrors,
} from './extension-errors.js';
export * from './kinds.js';
export { defineKind, type HeaderCheck, type KindCodec } from './define-kind.js';
export type * from './context.js';
export type * from './blobs.js';
export { MEDIA_PREVIEW_MAX_INPUT_BYTES, type Media, type MediaPreview, type MediaPreviewKind, type MediaPreviewRequest, type MediaPreviewSupport } from './media.js';
export type * from './session-stats.js';
export {
  MAX_CONNECT_ENDPOINTS, MAX_LISTENER_PEERS, MAX_LISTENER_WINDOW_MS, type DatagramCounters, type ListenerConnectOptions, type ListenerSession,
  type SessionListener, type SessionListenerOptions, type SessionListenerState,
} from './timed-listener.js';
export type * from './manifest.js';
export type * from './ui.js';
export {
  MAX_SLOT_ENTRIES, MAX_SLOT_ENTRY_ID, MAX_SLOT_ENTRY_ITEMS, MAX_SLOT_ENTRY_LABEL, MAX_SLOT_ENTRY_TIME, SLOT_ENTRIES_CHANGED, isEntriesPath, readSlotEntries, sortEntries, type SlotEntrySource,
} from './slot-entries.js';
export { defineExtension } from './define.js';
export { EventRefused, MAX_REFUSAL_LENGTH, isEventRefused } from './event-refused.js';
export { createServiceRef, SERVICE_ID_PATTERN, type ServiceRef } from './service-ref.js';
export { defineUiEvents, type FromUiOf, type ToUiOf, type UiEventMap } from './ui-event-map.js';
export { API_PROPOSALS, type ApiProposal, type HostInfo, type ProposedApi } from './proposals.js';
export { EXTENSION_PERMISSIONS, type ExtensionPermission } from './permissions.js';
export { SDK_API_VERSION } from './version.js';
export { cleanLabel, cleanText, hasUnshowable, MAX_LABEL_CHARS, showableLabel } from './shown-label.js';
export type { StorageChannel, StorageResult, StorageTransactionId } from './storage-channel.js';
export { coalesceRanges, parseRange, MAX_RANGES, MAX_RANGE_HEADER_LENGTH, type ByteRange, type RangeRequest } from './http-range.js';
export { serveRanged, type RangedContent } from './serve-ranged.js';
export {
  PAGE_CHANNEL_LIMITS, PAGE_CHANNEL_NAME, type BackpressurePolicy, type PageChannel, type PageChannelCloseReason,
  type PageChannelMessage, type PageChannelOptions, type PageChannels, type PageChannelStats, type PageChannelValue,
} from './page-channel.js';
// The two ends' shared runtime, for whatever plays the page (the shell, the test kit) and for the host.
export { PageChannelClient, type ChannelSocket } from './page-channel-client.js';
export { ChannelEndpoint, type ChannelEndpointInit, type ChannelTerms, type ChannelTransport } from './page-channel-endpoint.js';
export { CHANNEL_EVENTS, CHANNEL_ID, channelTerms, type OpenAnswer, type OpenRequest } from './page-channel-wire.js';
export { checkChannelMessage } from './page-channel-message.js';
