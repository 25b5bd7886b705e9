import type { Socket } from 'node:net';
import type { HostLogger } from '../log.js';
import { loopbackOwner, type ConnectionEnds } from './loopback-owner.js';

/** Refusals are logged at most this often (a local process may retry in a loop). */
const LOG_EVERY_MS = 10_000;

/**
 * Only the user who runs Kith (or root, who can read its files anyway) may connect: on a machine
 * shared by several accounts another user's process could otherwise load index.html, read the
 * launch secret in it and use the unlocked persona's API. Each connection's client socket is looked
 * up in the kernel's socket tables, synchronously, before a byte of it is read. Where there are no
 * such tables (not Linux) every local connection is let in, as before.
 */
export function sameUserOnly(log: HostLogger, owner: (ends: ConnectionEnds) => number | null | undefined = loopbackOwner): (socket: Socket) => void {
  const me = process.getuid?.();
  let lastLogged = 0;
  let refusedSinceLog = 0;
  return (socket) => {
    if (me === undefined || !isLoopback(socket.remoteAddress)) return;
    // A row can be missed while the kernel's table changes under the read: look twice.
    const uid = owner(socket) ?? owner(socket);
    if (uid === undefined || uid === me || uid === 0) return;
    socket.destroy();
    refusedSinceLog++;
    const now = Date.now();
    if (now - lastLogged < LOG_EVERY_MS) return;
    log.warn({ uid, refused: refusedSinceLog }, uid === null ? 'refused a local connection whose owner could not be found' : 'refused a local connection from another user');
    lastLogged = now;
    refusedSinceLog = 0;
  };
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}
