/**
 * The blocks `[start, end)` of a file, in order, from one vault stream: one open file and one
 * read per MiB however long the run, where a read per batch of blocks opened the file each time.
 * A block that straddles two pieces of the stream is joined in a copy; the others are views.
 */
import { blockLength } from './block-hashes.js';

export interface FileBlock {
  readonly i: number;
  readonly bytes: Uint8Array;
}

export async function* readBlocks(
  pieces: AsyncIterable<Uint8Array>, size: number, bs: number, start: number, end: number,
): AsyncGenerator<FileBlock> {
  let i = start;
  let carry: Uint8Array | null = null;
  let carried = 0;
  for await (const piece of pieces) {
    let at = 0;
    while (at < piece.length && i < end) {
      const want = blockLength(size, bs, i);
      if (carry) {
        const take = Math.min(want - carried, piece.length - at);
        carry.set(piece.subarray(at, at + take), carried);
        carried += take;
        at += take;
        if (carried < want) break;
        yield { i: i++, bytes: carry };
        carry = null;
        continue;
      }
      if (piece.length - at >= want) {
        yield { i: i++, bytes: piece.subarray(at, at + want) };
        at += want;
        continue;
      }
      carry = new Uint8Array(want);
      carried = piece.length - at;
      carry.set(piece.subarray(at));
      at = piece.length;
    }
  }
  if (i < end) throw new Error(`the vault ended at block ${i} of ${end}`);
}
