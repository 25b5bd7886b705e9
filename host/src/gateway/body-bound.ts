import type http from 'node:http';
import { KithError } from '@kith/sdk';

/** The largest body any route may accept (RouteOptions.limit's own maximum), bar {@link BodyAllowance}s. */
export const MAX_DECLARED_BODY = 64 * 1024 * 1024;

/** A larger declared body some request may carry (a streamed extension route's limit), or undefined. */
export type BodyAllowance = (method: string, url: string) => number | undefined;

/**
 * Put a front door on `server` (after socket.io attached, so `/api/ws` is covered too): a request
 * whose declared `Content-Length` exceeds `max` is answered 413 before Express or engine.io see it,
 * and the connection is closed after the answer, so not one byte of the body is read (Node would
 * otherwise drain it to keep the connection alive). Routes check their own, smaller limits.
 */
export function boundDeclaredBodies(server: http.Server, max = MAX_DECLARED_BODY, allowance: BodyAllowance = () => undefined): void {
  const listeners = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const declared = req.headers['content-length'];
    const limit = declared !== undefined && !(Number(declared) <= max) ? Math.max(max, allowance(req.method ?? '', req.url ?? '') ?? 0) : max;
    if (declared !== undefined && !(Number(declared) <= limit)) {
      const body = JSON.stringify(new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `A request body is at most ${limit} bytes`).toJSON());
      res.writeHead(413, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body);
      return;
    }
    for (const listener of listeners) listener.call(server, req, res);
  });
}
