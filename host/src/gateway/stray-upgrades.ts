import type http from 'node:http';
import { KithError } from '@kith/sdk';

/**
 * A WebSocket upgrade anywhere but socket.io's path (a plain WebSocket client of `/api/ws`, as the
 * reference's clients are) gets a readable 400 that says where the event stream is, instead of a
 * socket closed unanswered. engine.io leaves answered sockets alone.
 */
export function answerStrayUpgrades(server: http.Server, enginePath: string): void {
  const body = JSON.stringify(
    new KithError(
      'KITH_ERR_BAD_REQUEST',
      `Kith's event stream is socket.io (Engine.IO 4) at ${enginePath}, not a plain WebSocket: connect with a socket.io client sending the launch secret in the x-kith-secret header of its handshake (docs/api.md)`,
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
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
    if ((req.url ?? '').startsWith(enginePath)) return;
    socket.on('error', () => undefined);
    socket.end(answer);
  });
}
