import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Blobs } from '@kith/sdk';
import { BlobStore } from '../../src/blobs/blob-store.js';

/** A blob store over a fresh temp dir with a random at-rest key; `reopen` makes a new store on the same files. */
export interface TestBlobs {
  readonly root: string;
  readonly dir: string;
  readonly key: Uint8Array;
  blobs: Blobs & { close(): void };
  reopen(quotaBytes?: number): Blobs & { close(): void };
  cleanup(): void;
}

export function testBlobs(options: { quotaBytes?: number; root?: string; extensionId?: string } = {}): TestBlobs {
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-blobs-'));
  const dir = path.join(root, 'blobs', options.extensionId ?? 'files');
  const key = randomBytes(32);
  const open = (quotaBytes = options.quotaBytes ?? 2 ** 30) =>
    new BlobStore({ dir, extensionId: options.extensionId ?? 'files', atRestKey: () => key, quotaBytes });
  const t: TestBlobs = {
    root,
    dir,
    key,
    blobs: open(),
    reopen(quotaBytes) {
      t.blobs.close();
      t.blobs = open(quotaBytes);
      return t.blobs;
    },
    cleanup() {
      t.blobs.close();
      if (!options.root) fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return t;
}

/** Deterministic bytes for position `start` onwards, so any range can be checked without keeping the whole. */
export function pattern(start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    const p = start + i;
    out[i] = (p * 31 + Math.floor(p / 65_521)) & 0xff;
  }
  return out;
}

/** The `KithError` code a promise rejects with (fails the test when it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  throw new Error('expected a rejection');
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of stream) parts.push(Buffer.from(piece));
  return Buffer.concat(parts);
}
