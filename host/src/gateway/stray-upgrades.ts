import type http from 'node:http';
import { KithError } from '@kith/sdk';
import { PlainSockets } from './plain-websocket.js';

/**
 * WebSocket upgrades socket.io does not take: `/api/ws` itself is the plain event socket; anywhere
 * else gets a readable 400 that says where the event streams are, instead of a socket closed
 * unanswered. engine.io leaves answered sockets alone.
 */
export function answerOtherUpgrades(server: http.Server, enginePath: string, plain: PlainSockets): void {
  const body = JSON.stringify(
    new KithError(
      'KITH_ERR_BAD_REQUEST',
      `Kith's event streams are a plain WebSocket at /api/ws and socket.io (Engine.IO 4) at ${enginePath}, each with the launch secret in the x-kith-secret header of its handshake (docs/api.md)`,
    ).toJSON(),
  );
  const answer = [
    'HTTP/1.1 400 Bad Request',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    if ((req.url ?? '').startsWith(enginePath)) return;
    if (PlainSockets.wants(req)) return plain.upgrade(req, socket, head);
    socket.on('error', () => undefined);
    socket.end(answer);
  });
}
