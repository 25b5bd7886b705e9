/** The HTTP routes (below `/api`, lock-gated by the host), with the reference's paths and field names. */
import { Disposable, KithError, MEDIA_PREVIEW_MAX_INPUT_BYTES, serveRanged, type ExtensionContext, type PeerKey, type RouteRequest } from '@kith/sdk';
import { filesErrors } from './files-errors.js';
import { isTransferId, MAX_FILE_BYTES } from './files-kinds.js';
import type { Receiver } from './receiver.js';
import { servingHeaders } from './safe-names.js';
import { TIMELINE_ROUTE, timelineEntries } from './timeline-entries.js';
import type { Sender } from './sender.js';
import type { TransferBook } from './transfer-book.js';
import type { TransferRecord } from './transfer-store.js';
import type { UploadRecord, Uploads } from './uploads.js';

/** JSON with base64 of up to 48 MiB of file. */
const ONE_SHOT_LIMIT = 64 * 1024 * 1024;
const MEDIA_PAGE = 500;
/** What `GET /media?type=` filters by: a MIME family, or everything else. */
const MEDIA_KINDS = new Set(['image', 'audio', 'video', 'other']);
/** JSON with base64 of a preview's largest input, and room for the other fields. */
const PREVIEW_BODY_LIMIT = Math.ceil((MEDIA_PREVIEW_MAX_INPUT_BYTES * 4) / 3) + 64 * 1024;

async function resolvePeer(ctx: ExtensionContext, id: string): Promise<PeerKey> {
  let peer: PeerKey | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(id)) peer = id.toLowerCase();
  else if (id.length > 0 && id.length <= 128) {
    peer = ctx.sessions.all.find((s) => s.peerId === id)?.peer ?? (await ctx.friends.list()).find((f) => f.lastPeerId === id)?.peer;
  }
  if (!peer || !(await ctx.friends.get(peer))) throw new KithError('KITH_ERR_NOT_FOUND', `No friend with peer id ${id.slice(0, 128)}`);
  return peer;
}

function fileFields(body: unknown): { name: unknown; mime?: unknown; data: Uint8Array } {
  if (typeof body !== 'object' || body === null) throw new KithError('KITH_ERR_BAD_REQUEST', 'The body must be {name, mime?, data_base64}');
  const { name, mime, data_base64: data } = body as Record<string, unknown>;
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new KithError('KITH_ERR_BAD_REQUEST', 'data_base64 must be base64');
  return { name, mime, data: new Uint8Array(Buffer.from(data, 'base64')) };
}

function queryNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be a whole number`);
  return Number(value);
}

export function registerFilesRoutes(ctx: ExtensionContext, book: TransferBook, uploads: Uploads, sender: Sender, receiver: Receiver): Disposable {
  const transfer = (req: RouteRequest): TransferRecord => {
    const id = String(req.params.transfer_id);
    const record = isTransferId(id) ? book.get(id) : undefined;
    if (!record) throw filesErrors.create('NOT_FOUND');
    return record;
  };
  /**
   * The transfer named by the path, which must be with the path's friend. `formerFriend`: a peer
   * key that is no longer a friend names their transfers too (a cancel ends them here only).
   */
  const peersTransfer = async (req: RouteRequest, formerFriend = false): Promise<TransferRecord> => {
    const id = String(req.params.peer_id);
    const peer = formerFriend && /^[0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : await resolvePeer(ctx, id);
    const record = transfer(req);
    if (record.peer !== peer) throw filesErrors.create('NOT_FOUND');
    return record;
  };
  /** The whole plaintext of a complete file this persona holds, for a preview. */
  const heldFile = async (id: string): Promise<{ name: string; mime: string; data: Uint8Array }> => {
    const record = isTransferId(id) ? book.get(id) : undefined;
    if (!record || record.state !== 'complete' || (record.direction !== 'in' && !record.vault)) throw filesErrors.create('NOT_FOUND', 'No complete file with that transfer_id');
    if (record.size > MEDIA_PREVIEW_MAX_INPUT_BYTES) throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', 'Previews are for files up to 16 MiB');
    const parts: Uint8Array[] = [];
    const source = record.direction === 'in' ? receiver.read(record, 0, record.size) : ctx.blobs.readStream(record.vault!, { offset: 0, length: record.size });
    for await (const part of source) parts.push(part);
    return { name: record.name, mime: record.mime, data: new Uint8Array(Buffer.concat(parts)) };
  };
  const labels = async () => new Map((await ctx.friends.list()).map((f) => [f.peer, f.label]));

  return Disposable.from(
    ctx.routes.get('/media', async (req) => {
      const kind = req.query.type === undefined || req.query.type === '' ? undefined : req.query.type;
      const friend = req.query.peer === undefined || req.query.peer === '' ? undefined : req.query.peer;
      if (kind !== undefined && (typeof kind !== 'string' || !MEDIA_KINDS.has(kind))) throw new KithError('KITH_ERR_BAD_REQUEST', 'type is image, audio, video or other');
      if (friend !== undefined && (typeof friend !== 'string' || (friend !== 'self' && !/^[0-9a-f]{64}$/.test(friend)))) {
        throw new KithError('KITH_ERR_BAD_REQUEST', "peer is a friend's master key (64 hex) or self");
      }
      const names = await labels();
      const items = [...book.records.values()]
        .filter((r) => r.state !== 'cancelled' && r.state !== 'failed' && r.state !== 'uploading')
        .filter((r) => !friend || (friend === 'self' ? r.peer === null : r.peer === friend))
        .filter((r) => !kind || r.mime.startsWith(`${kind}/`) || (kind === 'other' && !/^(image|audio|video)\//.test(r.mime)))
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, MEDIA_PAGE)
        .map((r) => ({ ...book.json(r), peer_label: r.peer ? (names.get(r.peer) ?? null) : 'Notes to self' }));
      return { items };
    }),

    ctx.routes.get('/media/preview', async () => {
      const support = await ctx.media.support();
      return { available: support.available, max_input_bytes: support.maxInputBytes };
    }),

    // The reference's body ({name, mime?, data_base64}), or {transfer_id} of a file Kith holds.
    ctx.routes.post('/media/preview', async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const request = body.transfer_id === undefined ? fileFields(body) : await heldFile(String(body.transfer_id));
      const preview = await ctx.media.preview({
        name: typeof request.name === 'string' ? request.name : '',
        mime: typeof request.mime === 'string' ? request.mime : undefined,
        data: request.data,
      });
      return { name: preview.name, mime: preview.mime, kind: preview.kind, size: preview.data.byteLength, data_base64: Buffer.from(preview.data).toString('base64') };
    }, { limit: PREVIEW_BODY_LIMIT }),

    ctx.routes.post('/self/files', async (req, res) => {
      const { name, mime, data } = fileFields(req.body);
      const record = await uploads.oneShot(null, { name, mime }, data);
      res.status(201);
      return book.json(record);
    }, { limit: ONE_SHOT_LIMIT }),

    ctx.routes.get('/files/transfers', async () => ({
      transfers: [...book.records.values()].filter((r) => r.direction !== 'self').sort((a, b) => b.createdAt - a.createdAt).slice(0, MEDIA_PAGE).map((r) => book.json(r)),
    })),

    ctx.routes.get(TIMELINE_ROUTE, async (req) => timelineEntries(book.records.values(), req.query.peer)),

    ctx.routes.get('/files/inbound/:transfer_id/stream', async (req, res) => {
      const record = transfer(req);
      if (record.state === 'cancelled' || record.state === 'failed' || record.state === 'uploading') throw filesErrors.create('NOT_FOUND', 'That file is not available');
      if (record.direction !== 'in' && !record.vault) throw filesErrors.create('NOT_FOUND', 'The sealed copy was removed after the friend received it');
      const asked = typeof req.query.mime === 'string' ? req.query.mime : undefined;
      const { contentType, disposition } = servingHeaders(record.name, asked && record.mime === 'application/octet-stream' ? asked.toLowerCase() : record.mime);
      res.header('content-disposition', disposition).header('cache-control', 'no-store');
      const vault = record.vault;
      return serveRanged(req, res, {
        size: record.size,
        contentType,
        etag: `"${record.id}"`,
        read: (offset, length) => noteDamage(book, record, record.direction === 'in' ? receiver.read(record, offset, length) : ctx.blobs.readStream(vault!, { offset, length })),
      });
    }),

    ctx.routes.get('/files/:transfer_id', async (req) => book.json(transfer(req))),

    ctx.routes.delete('/files/:transfer_id', async (req) => {
      const record = transfer(req);
      if (record.state === 'active' || record.state === 'held' || record.state === 'offered') {
        if (record.direction === 'in') await receiver.cancel(record);
        else await sender.cancel(record);
      } else if (record.state === 'uploading') await uploads.abort(record);
      for (const blob of [record.vault, record.hashesBlob, ...record.runs.map((r) => r.blob)]) {
        if (blob) await ctx.blobs.delete(blob).catch(() => undefined);
      }
      await book.forget(record.id);
      // Its blobs are free again: a waiting file held back by the blob cap may start (blob-budget.ts).
      await receiver.admit();
      return undefined;
    }),

    ctx.routes.post('/sessions/:peer_id/files/begin', async (req, res) => {
      const peer = await resolvePeer(ctx, String(req.params.peer_id));
      const { name, mime, size } = (req.body ?? {}) as Record<string, unknown>;
      const record = await uploads.begin(peer, { name, mime, size });
      res.status(201);
      return book.json(record);
    }),

    ctx.routes.post('/sessions/:peer_id/files', async (req, res) => {
      const peer = await resolvePeer(ctx, String(req.params.peer_id));
      const { name, mime, data } = fileFields(req.body);
      const record = await uploads.oneShot(peer, { name, mime }, data);
      res.status(201);
      return book.json(record);
    }, { limit: ONE_SHOT_LIMIT }),

    ctx.routes.post('/sessions/:peer_id/files/:transfer_id/chunk', async (req) => {
      const record = (await peersTransfer(req)) as UploadRecord;
      const idx = queryNumber(req.query.idx, 'idx');
      const offset = queryNumber(req.query.offset, 'offset');
      if (idx === undefined && offset === undefined) throw new KithError('KITH_ERR_BAD_REQUEST', 'chunk needs ?idx=N or ?offset=bytes');
      const received = await uploads.chunk(record, { idx, offset }, req.body as AsyncIterable<Uint8Array>);
      return { transfer_id: record.id, received_bytes: received, next_idx: record.chunks ?? null };
    }, { body: 'stream', limit: MAX_FILE_BYTES }),

    ctx.routes.post('/sessions/:peer_id/files/:transfer_id/commit', async (req) => book.json(await uploads.commit((await peersTransfer(req)) as UploadRecord))),

    ctx.routes.post('/sessions/:peer_id/files/:transfer_id/pause', async (req) => {
      const record = await peersTransfer(req);
      const paused = (req.body as { paused?: unknown } | undefined)?.paused;
      if (typeof paused !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', 'The body must be {paused: true or false}');
      if (record.direction !== 'out' || record.state === 'complete' || record.state === 'cancelled') throw filesErrors.create('BAD_STATE', 'Only an unfinished outgoing transfer pauses');
      await sender.setPaused(record, paused);
      return book.json(record);
    }),

    // A cap on the upload rate (leave bandwidth for other things; a slow send keeps a transfer visibly moving in tests).
    ctx.routes.post('/files/send-rate', async (req) => {
      const rate = (req.body as { bytes_per_second?: unknown } | undefined)?.bytes_per_second ?? null;
      if (rate !== null && (typeof rate !== 'number' || !Number.isSafeInteger(rate) || rate < 1024)) throw new KithError('KITH_ERR_BAD_REQUEST', 'bytes_per_second must be null or a whole number of at least 1024');
      sender.sendRate = rate;
      return { bytes_per_second: rate };
    }),

    ctx.routes.post('/sessions/:peer_id/files/:transfer_id/cancel', async (req) => {
      const record = await peersTransfer(req, true);
      if (record.state === 'complete' || record.state === 'cancelled' || record.state === 'failed') throw filesErrors.create('BAD_STATE', `The transfer is already ${record.state}`);
      if (record.state === 'uploading') await uploads.abort(record);
      else if (record.direction === 'in') await receiver.cancel(record);
      else await sender.cancel(record);
      return book.json(record);
    }),
  );
}

/**
 * `bytes`, and if they meet a sealed chunk changed on disk, the row says so: an answer already
 * under way can only be cut, and a row that still says "complete" would hide why a save came short.
 */
async function* noteDamage(book: TransferBook, record: TransferRecord, bytes: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* bytes;
  } catch (error) {
    if ((error as { code?: string }).code === 'KITH_ERR_BLOB_CORRUPT' && record.error === null) {
      record.error = 'Part of this file is damaged on disk (Kith left it as it is): reading stops there. Have it sent again to get it whole';
      await book.save(record).catch(() => undefined);
    }
    throw error;
  }
}
