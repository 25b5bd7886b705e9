/**
 * The KIND table: the one byte that says what an event on the bus is. Built-in kinds have fixed
 * bytes for every peer; their header types live with the extension that owns them (`defineKind`).
 * A third-party extension registers kinds by name (`"<ext-id>.<name>"`); when a session opens,
 * both peers exchange capabilities and map those names to bytes in {@link THIRD_PARTY_KIND_RANGE}
 * for that session only. The wire format is in docs/wire/.
 */

// Bus control (owned by the host, never by an extension)
export const KIND_ACK = 0xf0;
export const KIND_NACK = 0xf1;
export const KIND_CAPABILITIES = 0xf2;
/** One piece of an event too large for a single datagram (see docs/wire/fragment.md). */
export const KIND_FRAGMENT = 0xf3;

/** Bytes a session may assign to third-party kind names (inclusive). */
export const THIRD_PARTY_KIND_RANGE = { first: 0x80, last: 0xdf } as const;

/**
 * Reserved kind names and their fixed bytes, kept here for wire compatibility only: every peer
 * must agree on them. What a kind's header means (its type, checks and golden vectors) belongs to
 * the extension that owns the kind, e.g. extensions/chat/src/chat-kinds.ts (see `defineKind`).
 * Names are `<area>.<event>`.
 */
export const BUILTIN_KINDS = {
  'chat.text': 0x01,
  'chat.read': 0x02,
  'chat.typing-start': 0x03,
  'chat.typing-stop': 0x04,
  'chat.edit': 0x05,
  'chat.delete': 0x06,
  'chat.clear': 0x07,
  'presence': 0x10,
  'friend.removed': 0x11,
  'stream.open': 0x20,
  'stream.open-ack': 0x21,
  'stream.close': 0x22,
  'file.chunk': 0x30,
  'file.fin': 0x31,
  'audio.frame': 0x40,
  'audio.mute': 0x41,
  'video.frame': 0x50,
  'video.mute': 0x51,
  'video.feedback': 0x52,
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
