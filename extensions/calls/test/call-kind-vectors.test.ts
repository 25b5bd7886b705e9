/**
 * The calls kinds' golden vectors: made by the kind codecs (what the send path calls) and the
 * bus's header encoding (cbor-x, the bus's options) with fixed inputs; they must match test/wire-vectors.json and the
 * table in docs/wire/calls.md. `KITH_WRITE_VECTORS=1` rewrites the JSON from the encoders.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KindCodec } from '@kith/sdk';
import { Decoder, Encoder } from 'cbor-x';
import { CALL_KINDS } from '../src/call-kinds.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VECTORS_FILE = path.join(HERE, 'wire-vectors.json');
const DOC_FILE = path.resolve(HERE, '../../../docs/wire/calls.md');
const S = '00112233445566778899aabbccddeeff';
const V = 'ffeeddccbbaa99887766554433221100';

const INPUTS: Readonly<Record<string, Record<string, unknown>>> = {
  'calls.offer': { sid: S, salt: '0011223344556677', video: false, ts: 1767225600000 },
  'calls.accept': { sid: S },
  'calls.reject': { sid: S, reason: 'busy' },
  'calls.hangup': { sid: S },
  'calls.mute': { sid: S, muted: true },
  'calls.video-start': { sid: S, vsid: V },
  'calls.video-stop': { sid: S, vsid: V },
  'calls.audio': { q: 41 },
  'calls.video': { q: 7, k: true },
  'calls.feedback': { loss: 25, delay: 60, trend: 1, pli: true },
};

// The bus's header encoding (docs/wire/header-cbor.md; host/src/bus/wire/header-cbor.ts uses these
// options). Extensions may not import host/, so the same cbor-x configuration is built here.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false, pack: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const encodeHeader = (header: object) => new Uint8Array(encoder.encode(header));
const decodeHeader = (bytes: Uint8Array) => decoder.decode(bytes) as Record<string, unknown>;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const produced = () => CALL_KINDS.map((kind: KindCodec<any>) => ({ kind: kind.name, input: INPUTS[kind.name]!, header: hex(encodeHeader(kind.encode(INPUTS[kind.name]!))) }));

describe('calls wire vectors', () => {
  if (process.env.KITH_WRITE_VECTORS === '1') fs.writeFileSync(VECTORS_FILE, JSON.stringify(produced(), null, 2) + '\n');

  it('the encoders make exactly the stored vectors, and they decode back to the input', () => {
    const stored = JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8'));
    expect(produced()).to.deep.equal(stored);
    for (const vector of stored) {
      const kind = CALL_KINDS.find((k) => k.name === vector.kind)!;
      expect(kind.decode(decodeHeader(Buffer.from(vector.header, 'hex')))).to.deep.equal(vector.input);
    }
  });

  it('docs/wire/calls.md shows the same bytes', function () {
    if (!fs.existsSync(DOC_FILE)) this.skip();
    const doc = fs.readFileSync(DOC_FILE, 'utf8');
    for (const vector of produced()) expect(doc, vector.kind).to.include(vector.header);
  });

  it('refuses malformed headers from a peer', () => {
    const [offer, , reject, , mute, start, , audio, video] = CALL_KINDS;
    expect(offer.decode({ ...INPUTS['calls.offer'], sid: 'x' })).to.equal(null);
    expect(offer.decode({ ...INPUTS['calls.offer'], salt: '00' })).to.equal(null);
    expect(offer.decode({ ...INPUTS['calls.offer'], ts: 5 })).to.equal(null);
    expect(reject.decode({ sid: S, reason: 'bored' })).to.equal(null);
    expect(mute.decode({ sid: S })).to.equal(null);
    expect(mute.decode({ sid: S, muted: 'yes' })).to.equal(null);
    expect(start.decode({ sid: S, vsid: 12 })).to.equal(null);
    expect(audio.decode({ q: -1 })).to.equal(null);
    expect(audio.decode({ q: 2 ** 32 })).to.equal(null);
    expect(video.decode({ q: 1, k: 'x' })).to.equal(null);
  });
});
