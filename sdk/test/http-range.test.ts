/**
 * `parseRange` and `serveRanged` against the cases of RFC 9110 §14 (including its examples for a
 * 10000-byte representation), malformed headers (ignored: served in full), and bounds (416).
 */
import { expect } from 'chai';
import { coalesceRanges, parseRange, serveRanged, type RangeRequest, type RouteRequest, type RouteResponse } from '../src/index.js';

const full = { kind: 'full' };
const unsatisfiable = { kind: 'unsatisfiable' };
const partial = (...pairs: Array<[number, number]>) => ({ kind: 'partial', ranges: pairs.map(([start, end]) => ({ start, end })) });

const CASES: Array<[string | undefined, number, RangeRequest | object]> = [
  // RFC 9110 §14.1.2 examples, size 10000
  ['bytes=0-499', 10000, partial([0, 499])],
  ['bytes=500-999', 10000, partial([500, 999])],
  ['bytes=-500', 10000, partial([9500, 9999])],
  ['bytes=9500-', 10000, partial([9500, 9999])],
  ['bytes=0-0,-1', 10000, partial([0, 0], [9999, 9999])],
  ['bytes= 0-999, 4500-5499, -1000', 10000, partial([0, 999], [4500, 5499], [9000, 9999])],
  ['bytes=500-600,601-999', 10000, partial([500, 600], [601, 999])],
  // forms, case and whitespace
  ['Bytes=0-1', 10, partial([0, 1])],
  ['bytes=0-1 , 3-4', 10, partial([0, 1], [3, 4])],
  ['bytes=0-1,,3-4', 10, partial([0, 1], [3, 4])],
  ['bytes=0-', 10, partial([0, 9])],
  ['bytes=5-5', 10, partial([5, 5])],
  // clamping: an end past the content, a suffix longer than it, huge numbers
  ['bytes=5-100', 10, partial([5, 9])],
  ['bytes=-100', 10, partial([0, 9])],
  ['bytes=0-99999999999999999999999', 10, partial([0, 9])],
  ['bytes=-99999999999999999999999', 10, partial([0, 9])],
  // unsatisfiable: valid, but nothing starts inside the content
  ['bytes=10-', 10, unsatisfiable],
  ['bytes=10-20', 10, unsatisfiable],
  ['bytes=99999999999999999999999-', 10, unsatisfiable],
  ['bytes=-0', 10, unsatisfiable],
  ['bytes=20-30,-0', 10, unsatisfiable],
  ['bytes=0-1', 0, unsatisfiable],
  // one satisfiable range among unsatisfiable ones
  ['bytes=20-30,2-3', 10, partial([2, 3])],
  // empty content: a non-zero suffix is satisfiable, and its answer is the whole (empty) content
  ['bytes=-5', 0, full],
  // ignored (served in full): no header, another unit, and every syntax error
  [undefined, 10, full],
  ['', 10, full],
  ['items=0-1', 10, full],
  ['bytes', 10, full],
  ['bytes=', 10, full],
  ['bytes=,', 10, full],
  ['bytes=5-2', 10, full],
  ['bytes=0-1,5-2', 10, full],
  ['bytes=-', 10, full],
  ['bytes=a-b', 10, full],
  ['bytes=1-2-3', 10, full],
  ['bytes=0x1-2', 10, full],
  ['bytes=+1-2', 10, full],
  ['bytes=1.5-2', 10, full],
  ['bytes=0 - 1', 10, full],
  ['bytes =0-1', 10, full],
  ['bytes=0-1;q=1', 10, full],
  ['bytes=--1', 10, full],
  ['bytes=0-1\u00a0', 10, full],
  // bounds: too many ranges, an overlong header
  [`bytes=${Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(',')}`, 100, full],
  [`bytes=0-${'0'.repeat(1100)}1`, 10, full],
];

describe('sdk: parseRange (RFC 9110 Range)', () => {
  for (const [header, size, expected] of CASES) {
    it(`${JSON.stringify(header)} of ${size} bytes → ${JSON.stringify(expected)}`, () => {
      expect(parseRange(header, size)).to.deep.equal(expected);
    });
  }

  it('allows 16 ranges', () => {
    const header = `bytes=${Array.from({ length: 16 }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`;
    expect((parseRange(header, 100) as unknown as { ranges: unknown[] }).ranges).to.have.length(16);
  });

  it('refuses a size that is not a whole number of bytes', () => {
    for (const size of [-1, 1.5, NaN, 2 ** 60]) expect(() => parseRange('bytes=0-1', size)).to.throw(RangeError);
  });

  it('merges overlapping and touching ranges in ascending order', () => {
    expect(coalesceRanges([{ start: 50, end: 60 }, { start: 0, end: 9 }, { start: 10, end: 12 }, { start: 55, end: 70 }, { start: 80, end: 80 }])).to.deep.equal([
      { start: 0, end: 12 },
      { start: 50, end: 70 },
      { start: 80, end: 80 },
    ]);
  });
});

/** A RouteResponse that records what serveRanged sets. */
function recorder() {
  const seen = { status: 0, headers: {} as Record<string, string>, length: undefined as number | undefined };
  const response: RouteResponse = {
    status(code) { seen.status = code; return response; },
    header(name, value) { seen.headers[name] = value; return response; },
    length(bytes) { seen.length = bytes; return response; },
  };
  return { seen, response };
}

const request = (headers: Record<string, string>, method: RouteRequest['method'] = 'GET'): RouteRequest =>
  ({ method, path: '/x', params: {}, query: {}, headers, body: undefined });

const CONTENT = new TextEncoder().encode('0123456789abcdefghij');
const reads: Array<[number, number]> = [];
const content = {
  size: CONTENT.length,
  contentType: 'text/plain',
  etag: '"v1"',
  lastModified: new Date('2026-01-02T03:04:05.678Z'),
  async *read(offset: number, length: number) {
    reads.push([offset, length]);
    yield CONTENT.subarray(offset, offset + length);
  },
};

async function text(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  let out = '';
  for await (const piece of body ?? []) out += new TextDecoder().decode(piece);
  return out;
}

describe('sdk: serveRanged', () => {
  beforeEach(() => (reads.length = 0));

  it('serves the whole content with 200, Accept-Ranges, validators and its length', async () => {
    const { seen, response } = recorder();
    expect(await text(serveRanged(request({}), response, content))).to.equal('0123456789abcdefghij');
    expect(seen).to.deep.equal({
      status: 200,
      length: 20,
      headers: { 'accept-ranges': 'bytes', etag: '"v1"', 'last-modified': 'Fri, 02 Jan 2026 03:04:05 GMT', 'content-type': 'text/plain' },
    });
  });

  it('serves one range with 206 and Content-Range, reading only that range', async () => {
    const { seen, response } = recorder();
    expect(await text(serveRanged(request({ range: 'bytes=-3' }), response, content))).to.equal('hij');
    expect(seen.status).to.equal(206);
    expect(seen.headers['content-range']).to.equal('bytes 17-19/20');
    expect(seen.length).to.equal(3);
    expect(reads).to.deep.equal([[17, 3]]);
  });

  it('serves several ranges as multipart/byteranges whose length is exact', async () => {
    const { seen, response } = recorder();
    const body = await text(serveRanged(request({ range: 'bytes=0-1,5-6' }), response, content));
    const boundary = /^multipart\/byteranges; boundary=(kith-[0-9a-f]{24})$/.exec(seen.headers['content-type']!)![1];
    expect(body).to.equal(
      `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01` +
        `\r\n--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/20\r\n\r\n56\r\n--${boundary}--\r\n`,
    );
    expect(seen.status).to.equal(206);
    expect(seen.length).to.equal(new TextEncoder().encode(body).length);
  });

  it('merges overlapping ranges, so repeating a range costs nothing extra', async () => {
    const { seen, response } = recorder();
    expect(await text(serveRanged(request({ range: 'bytes=0-4,0-4,2-6' }), response, content))).to.equal('0123456');
    expect(seen.headers['content-range']).to.equal('bytes 0-6/20');
  });

  it('answers 416 with Content-Range bytes */size and no body past the end', async () => {
    const { seen, response } = recorder();
    expect(serveRanged(request({ range: 'bytes=20-' }), response, content)).to.equal(undefined);
    expect(seen.status).to.equal(416);
    expect(seen.headers['content-range']).to.equal('bytes */20');
    expect(reads).to.deep.equal([]);
  });

  it('serves in full for a malformed Range, a Range on POST, and an If-Range that does not match', async () => {
    const cases: Array<[Record<string, string>, RouteRequest['method']]> = [
      [{ range: 'bytes=3-1' }, 'GET'],
      [{ range: 'bytes=0-1' }, 'POST'],
      [{ range: 'bytes=0-1', 'if-range': '"v2"' }, 'GET'],
      [{ range: 'bytes=0-1', 'if-range': 'W/"v1"' }, 'GET'],
      [{ range: 'bytes=0-1', 'if-range': 'Fri, 02 Jan 2026 03:04:06 GMT' }, 'GET'],
      [{ range: 'bytes=0-1', 'if-range': 'yesterday' }, 'GET'],
    ];
    for (const [headers, method] of cases) {
      const { seen, response } = recorder();
      expect(await text(serveRanged(request(headers, method), response, content)), JSON.stringify(headers)).to.have.length(20);
      expect(seen.status).to.equal(200);
    }
  });

  it('honours an If-Range naming the current ETag or Last-Modified', async () => {
    for (const ifRange of ['"v1"', 'Fri, 02 Jan 2026 03:04:05 GMT']) {
      const { seen, response } = recorder();
      expect(await text(serveRanged(request({ range: 'bytes=1-2', 'if-range': ifRange }), response, content))).to.equal('12');
      expect(seen.status).to.equal(206);
    }
  });

  it('answers HEAD with the same headers', () => {
    const { seen, response } = recorder();
    serveRanged(request({ range: 'bytes=2-5' }, 'HEAD'), response, content);
    expect(seen).to.include({ status: 206, length: 4 });
    expect(seen.headers['content-range']).to.equal('bytes 2-5/20');
  });
});
