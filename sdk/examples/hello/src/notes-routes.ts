import { KithError, serveRanged, type Disposable, type ExtensionContext, type RouteBodyStream } from '@kith/sdk';

/** Notes are at most 16 MiB each; the upload is read piece by piece into a sealed blob. */
export const MAX_NOTE_BYTES = 16 * 1024 * 1024;
const BLOB_ID = /^[0-9a-f]{32}$/;

/**
 * Voice notes (any bytes, really) kept in `ctx.blobs`: `POST /api/hello/notes` streams the request
 * body into a new blob, `GET /api/hello/notes` lists them, `GET /api/hello/notes/:id` streams one
 * back with HTTP Range support, so an `<audio>` element can seek in it.
 */
export function registerNoteRoutes(ctx: ExtensionContext): Disposable[] {
  return [
    ctx.routes.post(
      '/hello/notes',
      async (req) => {
        const id = await ctx.blobs.create();
        try {
          const size = await ctx.blobs.append(id, req.body as RouteBodyStream);
          return { id, size };
        } catch (error) {
          await ctx.blobs.delete(id); // no half note is kept
          throw error;
        }
      },
      { body: 'stream', limit: MAX_NOTE_BYTES },
    ),
    ctx.routes.get('/hello/notes', async () => ({ notes: await ctx.blobs.list() })),
    ctx.routes.get('/hello/notes/:id', async (req, res) => {
      const id = String(req.params.id);
      if (!BLOB_ID.test(id)) throw new KithError('KITH_ERR_BAD_REQUEST', 'a note id is 32 hex characters');
      const size = await ctx.blobs.size(id);
      return serveRanged(req, res, {
        size,
        contentType: 'application/octet-stream',
        // Blobs only grow, so the size tells versions apart.
        etag: `"${id}-${size}"`,
        read: (offset, length) => ctx.blobs.readStream(id, { offset, length }),
      });
    }),
  ];
}
