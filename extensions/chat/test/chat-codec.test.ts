import { expect } from 'chai';
import {
  MAX_BODY_BYTES, decodeClear, decodeDelete, decodeEdit, decodeRead, decodeText,
  encodeClear, encodeDelete, encodeEdit, encodeRead, encodeText, isMessageId, newMessageId,
} from '../src/chat-codec.js';

const NOW = Date.UTC(2026, 10, 26);

describe('chat codec', () => {
  it('makes random 128-bit message ids', () => {
    const a = newMessageId();
    expect(isMessageId(a)).to.equal(true);
    expect(newMessageId()).to.not.equal(a);
  });

  it('round-trips text, read, edit, delete and clear', () => {
    const id = newMessageId();
    const text = encodeText({ id, sentAt: NOW, body: 'héllo 👋' });
    expect(decodeText(text.header, text.payload)).to.deep.equal({ id, sentAt: NOW, body: 'héllo 👋' });
    expect(decodeRead(encodeRead({ ids: [id], readAt: NOW }))).to.deep.equal({ ids: [id], readAt: NOW });
    const edit = encodeEdit({ id, editedAt: NOW, body: 'fixed' });
    expect(decodeEdit(edit.header, edit.payload)).to.deep.equal({ id, editedAt: NOW, body: 'fixed' });
    expect(decodeDelete(encodeDelete({ id }))).to.deep.equal({ id });
    expect(decodeClear(encodeClear({ clearedAt: NOW }))).to.deep.equal({ clearedAt: NOW });
  });

  it('bounds bodies at 1900 UTF-8 bytes on both ends', () => {
    expect(() => encodeText({ id: newMessageId(), sentAt: NOW, body: 'é'.repeat(951) })).to.throw(RangeError, /1900 bytes/);
    expect(encodeText({ id: newMessageId(), sentAt: NOW, body: 'x'.repeat(MAX_BODY_BYTES) }).payload).to.have.length(MAX_BODY_BYTES);
    expect(decodeText({ id: newMessageId(), ts: NOW }, new Uint8Array(MAX_BODY_BYTES + 1).fill(0x61))).to.equal(null);
  });

  it('refuses malformed peer input: bad ids, clocks, UTF-8, oversized receipts', () => {
    const id = newMessageId();
    const body = new TextEncoder().encode('hi');
    expect(decodeText({ id: 'nope', ts: NOW }, body)).to.equal(null);
    expect(decodeText({ id, ts: 'now' }, body)).to.equal(null);
    expect(decodeText({ id, ts: 5 }, body)).to.equal(null);
    expect(decodeText({ id, ts: NOW }, new Uint8Array([0xff, 0xfe]))).to.equal(null);
    expect(decodeText({ id, ts: NOW }, new Uint8Array())).to.equal(null);
    expect(decodeRead({ ids: [], at: NOW })).to.equal(null);
    expect(decodeRead({ ids: Array.from({ length: 65 }, newMessageId), at: NOW })).to.equal(null);
    expect(decodeRead({ ids: [id, 42], at: NOW })).to.equal(null);
    expect(decodeDelete({ id: id.toUpperCase() })).to.equal(null);
    expect(decodeClear({})).to.equal(null);
  });
});
