import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { HostLogger } from '../log.js';
import { PROC_TABLES, SocketTables, socketTablesReadable, type ConnectionEnds } from './loopback-owner.js';

/** Refusals are logged at most this often (a local process may retry in a loop). */
const LOG_EVERY_MS = 10_000;
/** Connections waiting for their owner at once; more are closed at once (a local flood). */
export const MAX_WAITING = 1024;

/** Reads the tables a batch of connections is looked up in: IPv4 first, IPv6 only when needed. */
export type TableReader = (tables: readonly string[], wanted: readonly ConnectionEnds[]) => Promise<Pick<SocketTables, 'ownerOf'>>;

/**
 * Only the user who runs Kith (or root, who can read its files anyway) may connect: on a machine
 * shared by several accounts another user's process could otherwise load index.html, read the
 * launch secret in it and use the unlocked persona's API. Every connection, whatever address it
 * comes from (a local process may bind its end to any address of the machine), is held unread
 * until its client socket is found in the kernel's socket tables (Linux), then handed to the HTTP
 * server or closed. The tables grow with every socket on the machine, so they are read off the
 * event loop, and one read answers every connection waiting for it. Where the tables cannot be
 * read at start (not Linux, no /proc) connections are not checked, and the log says so once.
 *
 * Trusted with root: a relay or port forwarder run by root passes whoever uses it.
 */
export function admitSameUserOnly(server: Server, log: HostLogger, options: { read?: TableReader; tables?: readonly string[]; maxWaiting?: number } = {}): void {
  const me = process.getuid?.();
  const tables = options.tables ?? PROC_TABLES;
  if (me === undefined || !socketTablesReadable(tables)) {
    log.warn('connections are not checked for the user who made them: no readable /proc/net/tcp on this system');
    return;
  }
  const read: TableReader = options.read ?? ((list, wanted) => SocketTables.read(list, wanted));
  // The HTTP server's own handler runs only for connections let in.
  const serve = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const refusals = refusalLog(log);
  let waiting: Socket[] = [];
  /** Sockets in the batch being read: they count against the bound too. */
  let inFlight = 0;
  let reading = false;
  /** Sockets not found once: a row can be missed while the kernel's table changes under the read. */
  const lookedForOnce = new WeakSet<Socket>();

  const readBatch = async (): Promise<void> => {
    reading = true;
    const batch = waiting;
    waiting = [];
    inFlight = batch.length;
    let owners: (number | null)[] = [];
    let failure: string | undefined;
    try {
      owners = await ownersOf(batch, tables, read);
    } catch (error) {
      // Readable at start, not now (out of file handles, say): refuse rather than guess.
      failure = (error as Error).message;
    }
    inFlight = 0;
    reading = false;
    batch.forEach((socket, i) => decideSafely(socket, owners[i] ?? null, failure));
    if (waiting.length > 0) void readBatch();
  };

  /** One socket's fate; a throw while handing it over closes that socket alone. */
  const decideSafely = (socket: Socket, uid: number | null, failure: string | undefined): void => {
    try {
      decide(socket, uid, failure);
    } catch (error) {
      socket.destroy();
      log.warn({ err: error }, 'a checked connection could not be handed to the server');
    }
  };

  const decide = (socket: Socket, uid: number | null, failure: string | undefined): void => {
    if (socket.destroyed) return;
    if (uid === me || uid === 0) {
      socket.off('error', ignoreWhileWaiting);
      for (const handler of serve) handler.call(server, socket);
      return;
    }
    if (uid === null && failure === undefined && !lookedForOnce.has(socket)) {
      lookedForOnce.add(socket);
      waiting.push(socket);
      return;
    }
    socket.destroy();
    refusals(uid, failure);
  };

  server.prependListener('connection', (socket: Socket) => {
    // A client that resets while it waits must not take the process down: no handler is on it yet.
    socket.on('error', ignoreWhileWaiting);
    if (waiting.length + inFlight >= (options.maxWaiting ?? MAX_WAITING)) {
      socket.destroy();
      refusals(null, 'too many connections waiting to be checked');
      return;
    }
    waiting.push(socket);
    if (!reading) void readBatch();
  });
}

/** Each socket's owner: looked up in the IPv4 table, and in the IPv6 one for those not found there. */
async function ownersOf(batch: readonly ConnectionEnds[], tables: readonly string[], read: TableReader): Promise<(number | null)[]> {
  const owners: (number | null)[] = batch.map(() => null);
  for (const table of tables) {
    const open = owners.flatMap((owner, i) => (owner === null ? [i] : []));
    if (open.length === 0) break;
    const snapshot = await read([table], open.map((i) => batch[i]!));
    for (const i of open) owners[i] = snapshot.ownerOf(batch[i]!);
  }
  return owners;
}

function refusalLog(log: HostLogger): (uid: number | null, why?: string) => void {
  let lastLogged = 0;
  let refusedSinceLog = 0;
  return (uid, why) => {
    refusedSinceLog++;
    const now = Date.now();
    if (now - lastLogged < LOG_EVERY_MS) return;
    const reason = why ?? (uid === null ? 'its owner could not be found' : 'it came from another user');
    log.warn({ uid, refused: refusedSinceLog }, `refused a local connection: ${reason}`);
    lastLogged = now;
    refusedSinceLog = 0;
  };
}

function ignoreWhileWaiting(): void {
  // The connection is closed or handed over later; its error needs no answer.
}
