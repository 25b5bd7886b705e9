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
} as const satisfies Record<string, number>;

/** A built-in kind name. */
export type BuiltinKindName = keyof typeof BUILTIN_KINDS;

/** Kind names owned by the host's bus itself; extensions cannot register them. */
export const CONTROL_KINDS: ReadonlySet<string> = new Set(['bus.ack', 'bus.nack', 'bus.capabilities']);

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
