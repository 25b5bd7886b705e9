import type { RendezvousLimits } from './limits.js';
import { MemoryRoomStore } from './memory-store.js';
import { RedisRoomStore } from './redis-store.js';
import type { RoomStore } from './room-store.js';

/** Open the store named on the command line: `memory` (default) or `redis://host:port[/db]`. */
export async function openRoomStore(spec: string | undefined, limits: RendezvousLimits): Promise<RoomStore> {
  if (spec === undefined || spec === '' || spec === 'memory') return new MemoryRoomStore({ sweepIntervalMs: limits.sweepIntervalMs, sweepBatch: limits.sweepBatch });
  if (/^rediss?:\/\//.test(spec)) return RedisRoomStore.connect(spec);
  throw new Error(`Unknown --store "${spec}": use memory or redis://host:port`);
}
