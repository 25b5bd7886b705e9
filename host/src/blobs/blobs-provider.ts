import path from 'node:path';
import fs from 'node:fs';
import { Disposable, type Blobs } from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import { BlobStore } from './blob-store.js';
import { DEFAULT_BLOB_QUOTA_BYTES } from './blob-limits.js';

/**
 * Where a persona's blobs live: inside its own folder (`identities/<slug>/`, see
 * identity/persona-directory.ts), so whatever removes the persona removes its blobs. Below it one
 * folder per extension id; file names are random blob ids, so no name of the user's shows.
 */
export function personaBlobsDir(dataDir: string, slug: string): string {
  return path.join(dataDir, 'identities', slug, 'blobs');
}

/** Remove every blob of a persona (for persona deletion; the persona folder holds them too). */
export function removePersonaBlobs(dataDir: string, slug: string): void {
  fs.rmSync(personaBlobsDir(dataDir, slug), { recursive: true, force: true });
}

/** `ctx.blobs` for one extension run: closed (keys forgotten) when the run ends. */
export function blobsFor(scope: ExtensionScope, dataDir: string): Blobs {
  const store = new BlobStore({
    dir: path.join(personaBlobsDir(dataDir, scope.persona.info.slug), scope.extension.id),
    extensionId: scope.extension.id,
    atRestKey: () => scope.persona.atRestKey,
    quotaBytes: scope.manifest.blobQuotaBytes ?? DEFAULT_BLOB_QUOTA_BYTES,
  });
  scope.track(new Disposable(() => store.close()));
  // Only the API: the extension never holds the store (or its close).
  return Object.freeze({
    create: () => store.create(),
    append: (id, data) => store.append(id, data),
    read: (id, range) => store.read(id, range),
    readStream: (id, range) => store.readStream(id, range),
    size: (id) => store.size(id),
    list: () => store.list(),
    delete: (id) => store.delete(id),
    usage: () => store.usage(),
  } satisfies Blobs);
}
