import http from 'node:http';
import type { KithError } from '@kith/sdk';

/**
 * A whole HTTP/1.1 answer carrying `error` as JSON, for a socket no server response exists for
 * (an upgrade request): written with `socket.end(...)`, it closes the connection after it.
 */
export function rawErrorAnswer(error: KithError): string {
  const body = JSON.stringify(error.toJSON());
  return [
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
