import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { BlobStore } from '../../../host/src/blobs/blob-store.js';
import { COMMIT_EVERY_BYTES } from '../../../host/src/blobs/blob-limits.js';

const TOTAL = 64 * 2 ** 20;
const PIECE = 2 ** 20;
const RANGE = 256 * 1024;
const RANGES = 200;
const TRIALS = 5;
const MB = 1e6;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Plain fs with the same durability points as the blob store: fsync every COMMIT_EVERY_BYTES and at the end. */
async function fsWrite(file: string, data: Buffer): Promise<void> {
  const handle = await fsp.open(file, 'w', 0o600);
  try {
    for (let at = 0; at < data.length; at += PIECE) {
      await handle.write(data, at, PIECE, at);
      if ((at + PIECE) % COMMIT_EVERY_BYTES === 0) await handle.datasync();
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function fsRanges(file: string, offsets: readonly number[]): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    for (const offset of offsets) await handle.read(Buffer.allocUnsafe(RANGE), 0, RANGE, offset);
  } finally {
    await handle.close();
  }
}

/**
 * `ctx.blobs` against plain `fs` on the same disk, trials interleaved, medians reported: writing
 * 64 MiB in 1 MiB pieces (one streaming append; fs fsyncs at the same points) and 200 random
 * 256 KiB ranged reads of it (both from the page cache).
 */
const suite: BenchSuite = {
  name: 'blobs',
  async run(): Promise<BenchRow[]> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-blobs-'));
    const key = randomBytes(32);
    const blobs = new BlobStore({ dir: path.join(root, 'blobs'), extensionId: 'bench', atRestKey: () => key, quotaBytes: 2 ** 40 });
    const data = randomBytes(TOTAL);
    const plainFile = path.join(root, 'plain');
    const writes: number[] = [];
    const fsWrites: number[] = [];
    const reads: number[] = [];
    const fsReads: number[] = [];
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const id = await blobs.create();
        writes.push(TOTAL / MB / (await seconds(() => blobs.append(id, (function* () {
          for (let at = 0; at < TOTAL; at += PIECE) yield data.subarray(at, at + PIECE);
        })()))));
        fsWrites.push(TOTAL / MB / (await seconds(() => fsWrite(plainFile, data))));
        const offsets = Array.from({ length: RANGES }, () => randomInt(TOTAL - RANGE));
        reads.push((RANGES * RANGE) / MB / (await seconds(async () => {
          for (const offset of offsets) await blobs.read(id, { offset, length: RANGE });
        })));
        fsReads.push((RANGES * RANGE) / MB / (await seconds(() => fsRanges(plainFile, offsets))));
        await blobs.delete(id);
      }
    } finally {
      blobs.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
    return [
      {
        area: 'blobs', metric: `sealed blob write, 64 MiB in 1 MiB pieces, one streaming append (median of ${TRIALS})`,
        value: median(writes), unit: 'MB/s', baseline: { name: `fs write, fsync every 8 MiB (median of ${TRIALS})`, value: median(fsWrites), unit: 'MB/s' },
      },
      {
        area: 'blobs', metric: `sealed blob ranged read, ${RANGES} random 256 KiB ranges (median of ${TRIALS})`,
        value: median(reads), unit: 'MB/s', baseline: { name: `fs read of the same ranges (median of ${TRIALS})`, value: median(fsReads), unit: 'MB/s' },
      },
    ];
  },
};

export default suite;
