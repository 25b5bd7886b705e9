/**
 * The KIND table: the one byte that says what an event on the bus is. Built-in kinds have fixed
 * bytes for every peer. A third-party extension registers kinds by name (`"<ext-id>.<name>"`);
 * when a session opens, both peers exchange capabilities and map those names to bytes in
 * {@link THIRD_PARTY_KIND_RANGE} for that session only. The wire format is in docs/wire/.
 */

// Chat (extensions/chat)
export const KIND_CHAT_TEXT = 0x01;
export const KIND_CHAT_READ = 0x02;
export const KIND_CHAT_TYPING_START = 0x03;
export const KIND_CHAT_TYPING_STOP = 0x04;
export const KIND_CHAT_EDIT = 0x05;
export const KIND_CHAT_DELETE = 0x06;
export const KIND_CHAT_CLEAR = 0x07;
// Presence and friendship
export const KIND_PRESENCE = 0x10;
export const KIND_FRIEND_REMOVED = 0x11;
// Stream lifecycle (files, calls, video sub-streams)
export const KIND_STREAM_OPEN = 0x20;
export const KIND_STREAM_OPEN_ACK = 0x21;
export const KIND_STREAM_CLOSE = 0x22;
// Files
export const KIND_FILE_CHUNK = 0x30;
export const KIND_FILE_FIN = 0x31;
// Audio calls
export const KIND_AUDIO_FRAME = 0x40;
export const KIND_AUDIO_MUTE = 0x41;
// Video sub-stream
export const KIND_VIDEO_FRAME = 0x50;
export const KIND_VIDEO_MUTE = 0x51;
export const KIND_VIDEO_FEEDBACK = 0x52;
// Bus control (owned by the host, never by an extension)
export const KIND_ACK = 0xf0;
export const KIND_NACK = 0xf1;
export const KIND_CAPABILITIES = 0xf2;
/** One piece of an event too large for a single datagram (see docs/wire/fragment.md). */
export const KIND_FRAGMENT = 0xf3;

/** Bytes a session may assign to third-party kind names (inclusive). */
export const THIRD_PARTY_KIND_RANGE = { first: 0x80, last: 0xdf } as const;

/** Built-in kind names and their fixed bytes. Names are `<area>.<event>`. */
export const BUILTIN_KINDS = {
  'chat.text': KIND_CHAT_TEXT,
  'chat.read': KIND_CHAT_READ,
  'chat.typing-start': KIND_CHAT_TYPING_START,
  'chat.typing-stop': KIND_CHAT_TYPING_STOP,
  'chat.edit': KIND_CHAT_EDIT,
  'chat.delete': KIND_CHAT_DELETE,
  'chat.clear': KIND_CHAT_CLEAR,
  'presence': KIND_PRESENCE,
  'friend.removed': KIND_FRIEND_REMOVED,
  'stream.open': KIND_STREAM_OPEN,
  'stream.open-ack': KIND_STREAM_OPEN_ACK,
  'stream.close': KIND_STREAM_CLOSE,
  'file.chunk': KIND_FILE_CHUNK,
  'file.fin': KIND_FILE_FIN,
  'audio.frame': KIND_AUDIO_FRAME,
  'audio.mute': KIND_AUDIO_MUTE,
  'video.frame': KIND_VIDEO_FRAME,
  'video.mute': KIND_VIDEO_MUTE,
  'video.feedback': KIND_VIDEO_FEEDBACK,
  'bus.ack': KIND_ACK,
  'bus.nack': KIND_NACK,
  'bus.capabilities': KIND_CAPABILITIES,
  'bus.fragment': KIND_FRAGMENT,
} as const satisfies Record<string, number>;

/** A built-in kind name. */
export type BuiltinKindName = keyof typeof BUILTIN_KINDS;

/** Kind names owned by the host's bus itself; extensions cannot register them. */
export const CONTROL_KINDS: ReadonlySet<string> = new Set(['bus.ack', 'bus.nack', 'bus.capabilities', 'bus.fragment']);

const BYTE_TO_BUILTIN = new Map<number, BuiltinKindName>(
  Object.entries(BUILTIN_KINDS).map(([name, byte]) => [byte, name as BuiltinKindName]),
);

/** The built-in name for a kind byte, or undefined when the byte is not a built-in kind. */
export function builtinKindName(byte: number): BuiltinKindName | undefined {
  return BYTE_TO_BUILTIN.get(byte);
}

/** True when `name` is one of the fixed built-in kinds. */
export function isBuiltinKind(name: string): name is BuiltinKindName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_KINDS, name);
}

/** Kind names are lowercase `<area>.<event>` words: letters, digits and dashes. */
export const KIND_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}\.[a-z][a-z0-9-]{0,31}$/;

// ---------------------------------------------------------------------------------------------
// Headers of the built-in kinds. The bus carries any plain-data header; these are the fields the
// built-in extensions put there, so both peers agree (golden bytes in docs/wire/kind-headers.md).
// Extra fields are allowed and ignored by older peers.
// ---------------------------------------------------------------------------------------------

/** `chat.text`: the message body travels as the UTF-8 payload. */
export interface ChatTextHeader {
  /** Sender-chosen message id (unique per conversation). */
  readonly id: string;
  /** Unix ms on the sender's clock. */
  readonly sentAt: number;
  readonly replyTo?: string;
}
/** `chat.read`: these messages were read. */
export interface ChatReadHeader {
  readonly ids: readonly string[];
  readonly readAt: number;
}
/** `chat.edit`: new body as the UTF-8 payload. */
export interface ChatEditHeader {
  readonly id: string;
  readonly editedAt: number;
}
/** `chat.delete`: `mutual` deletes on both sides. */
export interface ChatDeleteHeader {
  readonly id: string;
  readonly mutual: boolean;
}
/** `chat.clear`: everything sent up to `clearedAt` is gone on both sides. */
export interface ChatClearHeader {
  readonly clearedAt: number;
}
/** `chat.typing-start` / `chat.typing-stop` carry an empty header. */
export type ChatTypingHeader = Readonly<Record<string, never>>;
/** `presence`. */
export interface PresenceHeader {
  readonly status: 'online' | 'away' | 'busy';
}
/** `stream.open`: a new file, call or video sub-stream, on the stream id it names. */
export interface StreamOpenHeader {
  readonly purpose: 'file' | 'audio' | 'video' | (string & {});
  /** File name, media type and size (files). */
  readonly name?: string;
  readonly mime?: string;
  readonly size?: number;
  /** Bytes per `file.chunk` payload. */
  readonly chunkSize?: number;
  /** Per-stream key salt (calls). */
  readonly salt?: Uint8Array;
  /** The call a video sub-stream belongs to. */
  readonly parent?: string;
}
/** `stream.open-ack`: accepted or not; `missing` lists chunk indexes a resuming receiver still needs. */
export interface StreamOpenAckHeader {
  readonly accept: boolean;
  readonly missing?: readonly number[];
  readonly reason?: string;
}
/** `stream.close`. */
export interface StreamCloseHeader {
  readonly reason: 'complete' | 'cancelled' | 'hangup' | 'declined' | 'error' | (string & {});
}
/** `file.chunk`: chunk bytes as payload. */
export interface FileChunkHeader {
  readonly index: number;
}
/** `file.fin`: the sender sent every chunk. */
export interface FileFinHeader {
  readonly chunks: number;
  /** SHA-256 of the whole sealed file. */
  readonly sha256: Uint8Array;
}
/** `audio.frame` / `video.frame`: sealed media as payload; `ts` in µs of the capture clock. */
export interface MediaFrameHeader {
  readonly ts: number;
}
/** `audio.mute` / `video.mute`. */
export interface MuteHeader {
  readonly muted: boolean;
}
/** `video.feedback`: the receiver's loss over the last interval, so the sender steps its bitrate. */
export interface VideoFeedbackHeader {
  /** Lost frames in percent (0-100). */
  readonly lossPct: number;
  /** Receiver's suggested bitrate in bit/s. */
  readonly bitrate?: number;
}
