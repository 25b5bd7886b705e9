/**
 * The files extension's golden vectors: made by its kind codecs (the `encode` its send path calls)
 * and the bus's real header encoder, with fixed inputs. Three things must agree: those bytes,
 * extensions/files/test/wire-vectors.json, and the table in docs/wire/files.md. It lives in test/
 * because it drives parts of both the host and the extension.
 * `KITH_WRITE_VECTORS=1` rewrites the vectors file from the encoders (then review the diff).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventHeader, KindCodec } from '@kith/sdk';
import { decodeHeader, encodeHeader } from '../../host/src/bus/wire/header-cbor.js';
import { FILES_KINDS } from '../../extensions/files/src/files-kinds.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS_FILE = path.join(ROOT, 'extensions/files/test/wire-vectors.json');
const DOC_FILE = path.join(ROOT, 'docs/wire/files.md');

const T1 = '00112233445566778899aabbccddeeff';
const R1 = 'c0ffee00'.repeat(8);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const INPUTS: Readonly<Record<string, { header: Record<string, unknown>; payload: string }>> = {
  'files.offer': { header: { id: T1, name: 'clip.webm', size: 3_000_000, mime: 'video/webm', root: R1, bs: 65536, ts: 1767225600000 }, payload: '' },
  'files.resume': { header: { id: T1, have: [[0, 10], [12, 20]], hashes: false }, payload: '' },
  'files.hashes': { header: { id: T1, from: 0 }, payload: 'ab'.repeat(32) },
  'files.chunk': { header: { id: T1, i: 45 }, payload: '68656c6c6f' },
  'files.nack': { header: { id: T1, ranges: [[10, 12]], urgent: true }, payload: '' },
  'files.hold': { header: { id: T1, reason: 'disk-full' }, payload: '' },
  'files.pause': { header: { id: T1, paused: true }, payload: '' },
  'files.done': { header: { id: T1, root: R1 }, payload: '' },
  'files.cancel': { header: { id: T1, reason: 'cancelled' }, payload: '' },
};

interface Vector {
  readonly kind: string;
  readonly input: Record<string, unknown>;
  readonly header: string;
  readonly payload: string;
}

function produced(): Vector[] {
  return FILES_KINDS.map((kind: KindCodec<any>) => {
    const input = INPUTS[kind.name]!;
    return { kind: kind.name, input: input.header, header: hex(encodeHeader(kind.encode(input.header))), payload: input.payload };
  });
}

function documented(): Map<string, string> {
  const bytes = new Map<string, string>();
  for (const line of fs.readFileSync(DOC_FILE, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const golden = /^`([0-9a-f ]+)`$/.exec(cells.at(-2) ?? '');
    if (cells[1] && /^files\.[a-z-]+$/.test(cells[1]) && golden) bytes.set(cells[1], golden[1]!.replace(/\s+/g, ''));
  }
  return bytes;
}

describe('wire: files kind vectors come from the files codecs and match the vectors file and docs/wire/files.md', () => {
  const vectors = produced();
  if (process.env.KITH_WRITE_VECTORS === '1') fs.writeFileSync(VECTORS_FILE, `${JSON.stringify(vectors, null, 2)}\n`);

  it('every files kind has a vector, and the vectors file holds exactly what the encoders produce', () => {
    expect(Object.keys(INPUTS).sort()).to.deep.equal(FILES_KINDS.map((k) => k.name).sort());
    expect(vectors).to.deep.equal(JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8')));
  });

  it('docs/wire/files.md shows the same bytes for every kind', () => {
    const doc = documented();
    for (const v of vectors) expect(doc.get(v.kind), `${v.kind} golden bytes in files.md`).to.equal(v.header);
  });

  it('the receive path reads every vector back to its input, through the bus\'s header decoder', () => {
    for (const v of vectors) {
      const kind = FILES_KINDS.find((k) => k.name === v.kind)!;
      expect(kind.decode(decodeHeader(new Uint8Array(Buffer.from(v.header, 'hex'))) as EventHeader), v.kind).to.deep.equal(v.input);
    }
  });

  it('the receive path refuses malformed headers: bad ids, unsorted or overlapping ranges, odd block sizes', () => {
    const [offer, resume, , chunk, nack] = FILES_KINDS;
    const good = INPUTS['files.offer']!.header;
    expect(offer.decode({ ...good, id: 'nope' })).to.equal(null);
    expect(offer.decode({ ...good, bs: 65535 })).to.equal(null);
    expect(offer.decode({ ...good, bs: 1 << 20 })).to.equal(null);
    expect(offer.decode({ ...good, size: -1 })).to.equal(null);
    expect(offer.decode({ ...good, root: 'xyz' })).to.equal(null);
    expect(resume.decode({ id: T1, have: [[5, 10], [8, 12]], hashes: true })).to.equal(null);
    expect(resume.decode({ id: T1, have: [[5, 5]], hashes: true })).to.equal(null);
    expect(resume.decode({ id: T1, have: Array.from({ length: 129 }, (_, i) => [i * 2, i * 2 + 1]), hashes: true })).to.equal(null);
    expect(chunk.decode({ id: T1, i: -1 })).to.equal(null);
    expect(chunk.decode({ id: T1, i: 1.5 })).to.equal(null);
    expect(nack.decode({ id: T1, ranges: [], urgent: false })).to.equal(null);
  });

  it('a resume or NACK with the most ranges fits the bus header bounds (512 items, 16 KiB)', () => {
    const ranges = Array.from({ length: 128 }, (_, i) => [i * 1_000_000_000, i * 1_000_000_000 + 999_999_999] as const);
    const bytes = encodeHeader(FILES_KINDS[1].encode({ id: T1, have: ranges, hashes: true }));
    expect(FILES_KINDS[1].decode(decodeHeader(bytes))).to.not.equal(null);
  });
});
