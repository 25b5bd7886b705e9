import type http from 'node:http';
import { KithError } from '@kith/sdk';
import { PLAIN_SOCKET_PATH, PlainSockets } from './plain-websocket.js';
import { rawErrorAnswer } from './raw-answer.js';

/**
 * WebSocket upgrades socket.io does not take: `/api/ws` itself is the plain event socket; anywhere
 * else gets a readable 400 that says where the event streams are, instead of a socket closed
 * unanswered. engine.io leaves answered sockets alone.
 */
export function answerOtherUpgrades(server: http.Server, enginePath: string, plain: PlainSockets): void {
  const answer = rawErrorAnswer(
    new KithError(
      'KITH_ERR_BAD_REQUEST',
      `Kith's event streams are a plain WebSocket at ${PLAIN_SOCKET_PATH} and socket.io (Engine.IO 4) at ${enginePath}, each with the launch secret in the x-kith-secret header of its handshake (docs/api.md)`,
    ),
  );
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    if ((req.url ?? '').startsWith(enginePath)) return;
    if (PlainSockets.wants(req)) return plain.upgrade(req, socket, head);
    socket.on('error', () => undefined);
    socket.end(answer);
  });
}
