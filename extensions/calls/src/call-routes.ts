/**
 * The reference's call routes (`/api/sessions/:peer_id/calls/*`, same paths and field names) and
 * a status route. Bodies are small JSON objects, bounded before parsing.
 */
import { Disposable, KithError, type ExtensionContext, type RouteRequest } from '@kith/sdk';
import { isStreamId, REJECT_REASONS, type RejectReason } from './call-kinds.js';
import { MAX_HISTORY, type CallHistory } from './call-history.js';
import type { CallService } from './call-service.js';
import { resolvePeer } from './peer-resolver.js';

const SMALL = { limit: 1024 } as const;

function field(request: RouteRequest, name: string): unknown {
  const body = request.body;
  return body && typeof body === 'object' && !(body instanceof Uint8Array) ? (body as Record<string, unknown>)[name] : undefined;
}
function streamId(request: RouteRequest): string {
  const value = field(request, 'stream_id');
  if (!isStreamId(value)) throw new KithError('KITH_ERR_BAD_REQUEST', 'stream_id must be 32 hex digits');
  return value;
}
function flag(request: RouteRequest, name: string, optional = false): boolean {
  const value = field(request, name);
  if (optional && value === undefined) return false;
  if (typeof value !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be true or false`);
  return value;
}

export function registerCallRoutes(ctx: ExtensionContext, calls: CallService, history: CallHistory): Disposable {
  const peer = (request: RouteRequest) => resolvePeer(ctx, request.params.peer_id ?? '');
  const base = '/sessions/:peer_id/calls';
  return Disposable.from(
    ctx.routes.get('/calls/status', async () => calls.liveStatus()),
    // `?peer=<key>&limit=<1-100>`: that friend's calls, newest first.
    ctx.routes.get('/calls/history', async (request) => {
      const id = request.query.peer;
      if (typeof id !== 'string') throw new KithError('KITH_ERR_BAD_REQUEST', 'peer must be given once');
      const rawLimit = request.query.limit ?? '50';
      const limit = typeof rawLimit === 'string' && /^[0-9]{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
      if (!(limit >= 1 && limit <= MAX_HISTORY)) throw new KithError('KITH_ERR_BAD_REQUEST', `limit must be 1 to ${MAX_HISTORY}`);
      return { calls: await history.list(await resolvePeer(ctx, id), limit) };
    }),
    ctx.routes.post(`${base}/start`, async (request, response) => {
      const sid = await calls.start(await peer(request), flag(request, 'with_video', true));
      response.status(201);
      return { stream_id: sid };
    }, SMALL),
    ctx.routes.post(`${base}/accept`, async (request) => {
      await calls.accept(await peer(request), streamId(request));
      return { ok: true };
    }, SMALL),
    ctx.routes.post(`${base}/reject`, async (request) => {
      const reason = field(request, 'reason') ?? 'declined';
      if (!(REJECT_REASONS as readonly unknown[]).includes(reason) || reason === 'missed') throw new KithError('KITH_ERR_BAD_REQUEST', 'reason must be "declined" or "busy"');
      await calls.reject(await peer(request), streamId(request), reason as RejectReason);
      return { ok: true };
    }, SMALL),
    ctx.routes.post(`${base}/hangup`, async (request) => {
      await calls.hangup(await peer(request));
      return { ok: true };
    }, SMALL),
    ctx.routes.post(`${base}/mute`, async (request) => {
      await calls.mute(await peer(request), { muted: flag(request, 'muted') });
      return { ok: true };
    }, SMALL),
    ctx.routes.post(`${base}/video/start`, async (request) => ({ stream_id: await calls.startVideo(await peer(request)) }), SMALL),
    ctx.routes.post(`${base}/video/stop`, async (request) => {
      await calls.stopVideo(await peer(request));
      return { ok: true };
    }, SMALL),
    ctx.routes.post(`${base}/video/mute`, async (request) => {
      await calls.mute(await peer(request), { off: flag(request, 'off') });
      return { ok: true };
    }, SMALL),
  );
}
