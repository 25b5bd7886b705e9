/**
 * Chat's golden vectors: made by chat's real encoders (the functions its send path calls) and the
 * bus's real header encoder, with fixed inputs. Three things must agree: those bytes, the hex in
 * extensions/chat/test/wire-vectors.json, and the tables in docs/wire/kind-headers.md. It lives
 * in test/ because it drives parts of both the host and the extension.
 * `KITH_WRITE_VECTORS=1` rewrites the vectors file from the encoders (then review the diff).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventHeader } from '@kith/sdk';
import { decodeHeader, encodeHeader } from '../../host/src/bus/wire/header-cbor.js';
import {
  decodeClear, decodeDelete, decodeEdit, decodeReact, decodeRead, decodeReply, decodeText,
  encodeClear, encodeDelete, encodeEdit, encodeReact, encodeRead, encodeReply, encodeText,
} from '../../extensions/chat/src/chat-codec.js';
import { CHAT_KINDS, chatTypingStart, chatTypingStop } from '../../extensions/chat/src/chat-kinds.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS_FILE = path.join(ROOT, 'extensions/chat/test/wire-vectors.json');
const DOC_FILE = path.join(ROOT, 'docs/wire/kind-headers.md');

const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('hex');
const M1 = '0123456789abcdef0123456789abcdef';
const M2 = 'fedcba9876543210fedcba9876543210';

/** One chat kind's send path and receive path, as chat-service calls them. */
interface ChatKindPath {
  readonly input: Record<string, unknown>;
  send(input: never): { header: EventHeader; payload?: Uint8Array };
  receive(header: EventHeader, payload: Uint8Array): unknown;
}

const PATHS: Readonly<Record<string, ChatKindPath>> = {
  'chat.text': { input: { id: M1, sentAt: 1767225600000, body: 'hi' }, send: encodeText, receive: decodeText },
  'chat.read': {
    input: { ids: [M1, M2], readAt: 1767225601000 },
    send: (e: Parameters<typeof encodeRead>[0]) => ({ header: encodeRead(e) }),
    receive: (h) => decodeRead(h),
  },
  'chat.edit': { input: { id: M1, editedAt: 1767225602000, body: 'hé' }, send: encodeEdit, receive: decodeEdit },
  'chat.delete': { input: { id: M1 }, send: (e: Parameters<typeof encodeDelete>[0]) => ({ header: encodeDelete(e) }), receive: (h) => decodeDelete(h) },
  'chat.clear': { input: { clearedAt: 1767225603000 }, send: (e: Parameters<typeof encodeClear>[0]) => ({ header: encodeClear(e) }), receive: (h) => decodeClear(h) },
  'chat.reply': { input: { id: M2, sentAt: 1767225604000, body: 'yes', replyTo: M1 }, send: encodeReply, receive: decodeReply },
  'chat.react': {
    input: { id: M1, emoji: '👍', reactedAt: 1767225605000 },
    send: (e: Parameters<typeof encodeReact>[0]) => ({ header: encodeReact(e) }),
    receive: (h) => decodeReact(h),
  },
  'chat.typing-start': { input: {}, send: () => ({ header: chatTypingStart.encode({}) }), receive: (h) => chatTypingStart.decode(h) },
  'chat.typing-stop': { input: {}, send: () => ({ header: chatTypingStop.encode({}) }), receive: (h) => chatTypingStop.decode(h) },
};

interface Vector {
  readonly kind: string;
  readonly input: Record<string, unknown>;
  readonly header: string;
  readonly payload: string;
}

/** What the encoders produce today. */
function produced(): Vector[] {
  return Object.entries(PATHS).map(([kind, p]) => {
    const { header, payload } = p.send(p.input as never);
    return { kind, input: p.input, header: hex(encodeHeader(header)), payload: hex(payload) };
  });
}

/** `kind → [fields, hex]` from the doc's chat tables: field names from the first, bytes from the second. */
function documented(): { fields: Map<string, string[]>; bytes: Map<string, string> } {
  const fields = new Map<string, string[]>();
  const bytes = new Map<string, string>();
  for (const line of fs.readFileSync(DOC_FILE, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const kind = cells[1];
    if (!kind || !/^chat\.[a-z-]+$/.test(kind)) continue;
    const golden = /^`([0-9a-f ]+)`$/.exec(cells.at(-2) ?? '');
    if (golden) {
      expect(bytes.has(kind), `${kind} has two golden rows in kind-headers.md`).to.equal(false);
      bytes.set(kind, golden[1]!.replace(/\s+/g, ''));
      continue;
    }
    const shape = /^`\{([^}]*)\}`/.exec(cells[2] ?? '');
    if (shape) fields.set(kind, shape[1]!.split(',').map((f) => f.trim()).filter(Boolean));
  }
  return { fields, bytes };
}

describe('wire: chat kind vectors come from chat\'s encoder and match the vectors file and docs/wire', () => {
  const vectors = produced();
  if (process.env.KITH_WRITE_VECTORS === '1') fs.writeFileSync(VECTORS_FILE, `${JSON.stringify(vectors, null, 2)}\n`);

  it('every chat kind has a vector, and the vectors file holds exactly what the encoders produce', () => {
    expect(Object.keys(PATHS).sort()).to.deep.equal(CHAT_KINDS.map((k) => k.name).sort());
    const stored = JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8')) as Vector[];
    expect(vectors).to.deep.equal(stored);
  });

  it('docs/wire/kind-headers.md shows the same bytes and the same header fields for every chat kind', () => {
    const doc = documented();
    expect([...doc.bytes.keys()].sort()).to.deep.equal(Object.keys(PATHS).sort());
    expect([...doc.fields.keys()].sort()).to.deep.equal(Object.keys(PATHS).sort());
    for (const v of vectors) {
      expect(doc.bytes.get(v.kind), `${v.kind} golden bytes in the doc`).to.equal(v.header);
      const keys = Object.keys(decodeHeader(new Uint8Array(Buffer.from(v.header, 'hex'))));
      expect(doc.fields.get(v.kind), `${v.kind} header fields in the doc`).to.deep.equal(keys);
    }
  });

  it('the receive path reads every vector back to its input, through the bus\'s header decoder', () => {
    for (const v of vectors) {
      const p = PATHS[v.kind]!;
      const back = p.receive(decodeHeader(new Uint8Array(Buffer.from(v.header, 'hex'))), new Uint8Array(Buffer.from(v.payload, 'hex')));
      expect(back, v.kind).to.deep.equal(v.input);
    }
  });

  it('the receive path refuses the spellings the docs once showed ({id, sentAt}, {ids, readAt}, {clearedAt})', () => {
    const body = new TextEncoder().encode('hi');
    expect(decodeText({ id: M1, sentAt: 1767225600000 }, body)).to.equal(null);
    expect(decodeRead({ ids: [M1], readAt: 1767225601000 })).to.equal(null);
    expect(decodeClear({ clearedAt: 1767225603000 })).to.equal(null);
  });

  it('the receive path refuses a reply without a valid quoted id and a reaction that is a word or too long', () => {
    const body = new TextEncoder().encode('hi');
    expect(decodeReply({ id: M2, ts: 1767225604000 }, body)).to.equal(null);
    expect(decodeReply({ id: M2, ts: 1767225604000, re: 'not-an-id' }, body)).to.equal(null);
    expect(decodeReact({ id: M1, emoji: 'lol', at: 1767225605000 })).to.equal(null);
    expect(decodeReact({ id: M1, emoji: '👍'.repeat(9), at: 1767225605000 })).to.equal(null);
    expect(decodeReact({ id: M1, emoji: '\u0007', at: 1767225605000 })).to.equal(null);
    expect(decodeReact({ id: M1, emoji: '', at: 1767225605000 })).to.deep.equal({ id: M1, emoji: '', reactedAt: 1767225605000 });
  });
});
