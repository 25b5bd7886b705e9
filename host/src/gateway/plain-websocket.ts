import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { KithError } from '@kith/sdk';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-bounds.js';
import { rawErrorAnswer } from './raw-answer.js';

/** Where a plain WebSocket client (the reference's `/api/ws`) connects; socket.io is at `/api/ws/`. */
export const PLAIN_SOCKET_PATH = '/api/ws';
/**
 * The sockets' paths as routes below `/api` (socket.io's long polling is GET and POST under
 * `/api/ws/`). They are not express routes, so the extension loader is told of them here: `ws` is
 * a name the host answers under, and no extension's id or route may take it (an extension with the
 * id `ws` would otherwise pass the view scope's "own routes" check for the page's socket).
 */
export const SOCKET_ROUTES: readonly string[] = ['GET /ws', 'GET /ws/*rest', 'POST /ws/*rest'];
/** A subprotocol that carries the launch secret, for browsers (which cannot set headers on a WebSocket). */
export const SECRET_SUBPROTOCOL_PREFIX = 'kith-secret.';
/** Largest frame a client may send: a command, never data. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** A client that reads slower than events arrive is cut off at this much queued (a lost page must not hold memory). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** What the gateway decides about an upgrade to the plain path. */
export interface PlainSocketAdmission {
  /** Undefined when the request may open a socket; otherwise why not (answered 403). */
  refusal(req: http.IncomingMessage): string | undefined;
  /** The offered subprotocol that carries the right secret, if the secret came that way. */
  secretProtocol(protocols: ReadonlySet<string>): string | undefined;
}

/**
 * Plain WebSocket connections at `/api/ws` beside socket.io: every page event as one JSON text
 * frame `{"event": name, "data": payload}` (bytes inside a payload as `{"$bytes": base64}`), and
 * client frames of the same shape delivered to the handlers pages reach over socket.io. Page
 * channels stay on socket.io.
 */
export class PlainSockets {
  readonly #server: WebSocketServer;
  readonly #open = new Set<WebSocket>();
  readonly #listeners = new Set<(socket: WebSocket) => void>();

  constructor(readonly admission: PlainSocketAdmission) {
    this.#server = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_CLIENT_FRAME_BYTES,
      perMessageDeflate: false,
      handleProtocols: (protocols) => admission.secretProtocol(protocols) ?? false,
    });
  }

  /** True when this upgrade is for the plain path (not socket.io's `/api/ws/?EIO=4...`). */
  static wants(req: http.IncomingMessage): boolean {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    return (query < 0 ? url : url.slice(0, query)) === PLAIN_SOCKET_PATH;
  }

  /** Answer an upgrade to the plain path: 403 unless admitted, else the WebSocket handshake. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const refusal = this.admission.refusal(req);
    if (refusal !== undefined) {
      socket.end(rawErrorAnswer(new KithError('KITH_ERR_FORBIDDEN')));
      return;
    }
    this.#server.handleUpgrade(req, socket, head, (ws) => {
      this.#open.add(ws);
      ws.on('close', () => this.#open.delete(ws));
      ws.on('error', () => ws.terminate());
      for (const listener of this.#listeners) listener(ws);
    });
  }

  /** Call `listener` with each socket that opens. */
  onConnection(listener: (socket: WebSocket) => void): void {
    this.#listeners.add(listener);
  }

  /** Send one text frame to every open socket; a socket too far behind is closed. */
  broadcast(text: string): void {
    for (const ws of this.#open) send(ws, text);
  }

  /** Close every socket (lock). */
  closeAll(reason: string): void {
    for (const ws of this.#open) ws.close(1000, reason);
  }

  get size(): number {
    return this.#open.size;
  }
}

/** Send `text` to one socket unless it is closing or too far behind (then close it: 1013, try again later). */
export function send(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_QUEUED_BYTES) {
    ws.close(1013, 'too far behind: reconnect');
    return;
  }
  ws.send(text);
}

/** One event as a text frame; bytes anywhere in the payload become `{"$bytes": base64}`. */
export function encodeEventFrame(event: string, data: unknown): string {
  return JSON.stringify({ event, data }, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    // Buffer's own toJSON runs before the replacer sees it.
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return { $bytes: Buffer.from((value as { data: number[] }).data).toString('base64') };
    }
    return value;
  });
}

/** A client frame parsed, or a KithError saying what is wrong with it. */
export function decodeClientFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): { event: string; data: unknown } | KithError {
  if (isBinary) return new KithError('KITH_ERR_BAD_REQUEST', 'Frames to Kith are JSON text: {"event": name, "data": payload}');
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new KithError('KITH_ERR_BAD_REQUEST', 'A frame is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return new KithError('KITH_ERR_BAD_REQUEST', 'A frame is a JSON object {"event": name, "data": payload}');
  if (nestedDeeperThan(parsed)) return new KithError('KITH_ERR_BAD_REQUEST', `A frame nests deeper than ${MAX_JSON_DEPTH} levels`);
  const { event } = parsed as { event?: unknown };
  if (typeof event !== 'string' || event.length === 0 || event.length > 100) {
    return new KithError('KITH_ERR_BAD_REQUEST', 'A frame\'s "event" is a name of 1 to 100 characters');
  }
  return { event, data: (parsed as { data?: unknown }).data };
}
