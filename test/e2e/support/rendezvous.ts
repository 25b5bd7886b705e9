import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';

/** A real rendezvous server (memory store) on a free loopback port. */
export function startLoopbackRendezvous(): Promise<RunningRendezvous> {
  return startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
}
