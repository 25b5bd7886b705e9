import { Redis } from 'ioredis';
import { KithError } from '@kith/sdk';
import {
  compareCursor, cutPage, entryBytes, WHOLE_ROOM,
  type PageRequest, type PutRequest, type RoomPage, type RoomStore, type StoreStats, type StoredEntry,
} from './room-store.js';

// Keys (prefix default `kith:rv:`), <tag> is the public owner tag (never the secret):
//   e:<room>:<tag>   string, the entry JSON {b, t, a}; expires natively (PX ttl)
//   r:<room>         zset tag → expiresAt; expires with its newest entry
//   all              zset <room>:<tag> → expiresAt, for the total-entries cap
//   sz               hash <room>:<tag> → approximate bytes; `bytes` holds the sum
// The scripts run atomically in Redis, so several rendezvous processes enforce one set of caps.
// Nothing here names a client address: per-source caps are kept in each process (source-quota.ts).

/** Expired bookkeeping rows one script call drops at most: the work per request stays bounded. */
const PRUNE_BATCH = 64;

const PRUNE = `
local function prune(allKey, sizesKey, bytesKey, now)
  local old = redis.call('ZRANGEBYSCORE', allKey, '-inf', now, 'LIMIT', 0, ${PRUNE_BATCH})
  for _, m in ipairs(old) do
    local s = redis.call('HGET', sizesKey, m)
    if s then redis.call('DECRBY', bytesKey, s); redis.call('HDEL', sizesKey, m) end
    redis.call('ZREM', allKey, m)
  end
end
`;

// KEYS: 1 e:<room>:<tag>, 2 r:<room>, 3 all, 4 sz, 5 bytes
// ARGV: 1 tag, 2 member, 3 value, 4 now, 5 ttl, 6 per room, 7 entries, 8 bytes, 9 entry bytes
// Work per call is bounded: the room (at most its cap), PRUNE_BATCH rows, O(1) counters.
const PUT_SCRIPT = `${PRUNE}
local now = tonumber(ARGV[4]); local ttl = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
prune(KEYS[3], KEYS[4], KEYS[5], now)
local exists = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not exists then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 'ROOM_FULL' end
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[7]) then return 'STORE_FULL' end
end
local growth = tonumber(ARGV[9]) - tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0')
if growth > 0 and tonumber(redis.call('GET', KEYS[5]) or '0') + growth > tonumber(ARGV[8]) then return 'STORE_FULL' end
local expires = now + ttl
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[3], expires, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[9])
redis.call('INCRBY', KEYS[5], growth)
return 'OK'
`;

// KEYS: 1 e:<room>:<tag>, 2 r:<room>, 3 all, 4 sz, 5 bytes; ARGV: 1 tag, 2 member
const REMOVE_SCRIPT = `
local gone = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
local s = redis.call('HGET', KEYS[4], ARGV[2])
if s then redis.call('DECRBY', KEYS[5], s); redis.call('HDEL', KEYS[4], ARGV[2]) end
return gone
`;

// Drops every expired row (bounded by the store cap): used by stats, which only tests and the bench call.
const STATS_SCRIPT = `
local now = tonumber(ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, m in ipairs(old) do
  local s = redis.call('HGET', KEYS[2], m)
  if s then redis.call('DECRBY', KEYS[3], s); redis.call('HDEL', KEYS[2], m) end
  redis.call('ZREM', KEYS[1], m)
end
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0')}
`;

const REFUSALS: Record<string, () => KithError> = {
  ROOM_FULL: () => new KithError('KITH_ERR_ROOM_FULL'),
  STORE_FULL: () => new KithError('KITH_ERR_STORE_FULL'),
};

/** How long one Redis command may take before the request that needed it answers 503. */
export const STORE_COMMAND_TIMEOUT_MS = 2000;

type ScriptedRedis = Redis & {
  kithPut(...args: Array<string | number>): Promise<string>;
  kithRemove(...args: Array<string | number>): Promise<number>;
  kithStats(...args: Array<string | number>): Promise<[number, number]>;
};

/** Rooms in Redis: native key expiry, caps enforced in Lua, shared by every process using the same Redis. */
export class RedisRoomStore implements RoomStore {
  readonly kind = 'redis' as const;
  readonly #redis: ScriptedRedis;
  readonly #prefix: string;

  private constructor(redis: ScriptedRedis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /**
   * Connect to `url` (`redis://host:port[/db]`) and check it answers. Every command gets at most
   * `commandTimeoutMs`: a Redis that hangs (stopped, swapping, a slow script) keeps its connection,
   * so the retry limit, which counts reconnections, would never end a request; with the timeout it
   * answers 503 like a Redis that is gone.
   */
  static async connect(url: string, options: { prefix?: string; commandTimeoutMs?: number } = {}): Promise<RedisRoomStore> {
    const redis = new Redis(url, {
      lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: options.commandTimeoutMs ?? STORE_COMMAND_TIMEOUT_MS,
    }) as ScriptedRedis;
    redis.defineCommand('kithPut', { numberOfKeys: 5, lua: PUT_SCRIPT });
    redis.defineCommand('kithRemove', { numberOfKeys: 5, lua: REMOVE_SCRIPT });
    redis.defineCommand('kithStats', { numberOfKeys: 3, lua: STATS_SCRIPT });
    redis.on('error', () => undefined); // reported through failing commands, not as an unhandled event
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`Cannot reach Redis at ${url}: ${(error as Error).message}`);
    }
    return new RedisRoomStore(redis, options.prefix ?? 'kith:rv:');
  }

  async put(request: PutRequest): Promise<void> {
    const { room, owner, caps } = request;
    const member = `${room}:${owner}`;
    const value = JSON.stringify({ b: request.blob, t: request.now, a: request.anonymous ? 1 : 0 });
    const outcome = await this.#redis.kithPut(
      this.#key(`e:${member}`), this.#key(`r:${room}`), this.#key('all'), this.#key('sz'), this.#key('bytes'),
      owner, member, value, request.now, request.ttlMs,
      caps.maxEntriesPerRoom, caps.maxEntries, caps.maxStoreBytes, entryBytes(room, owner, request.blob),
    );
    const refusal = REFUSALS[outcome];
    if (refusal) throw refusal();
  }

  /** Reads the room's tags (at most the room cap), then only the blobs of one page. */
  async page(room: string, now: number, page: PageRequest): Promise<RoomPage> {
    const flat = await this.#redis.zrangebyscore(this.#key(`r:${room}`), `(${now}`, '+inf', 'WITHSCORES');
    const order: Array<{ tag: string; expiresAt: number }> = [];
    for (let i = 0; i < flat.length; i += 2) order.push({ tag: flat[i]!, expiresAt: Number(flat[i + 1]) });
    order.sort(compareCursor);
    const after = page.after;
    const candidates = order.filter((e) => !after || compareCursor(e, after) > 0).slice(0, page.maxEntries);
    if (candidates.length === 0) return { entries: [] };
    const values = await this.#redis.mget(candidates.map((e) => this.#key(`e:${room}:${e.tag}`)));
    const loaded = candidates.flatMap((e, i) => {
      const raw = values[i];
      if (raw === null || raw === undefined) return []; // expired between the two reads
      const parsed = JSON.parse(raw) as { b: string; t: number; a: number };
      return [{ ...e, blob: parsed.b, storedAt: parsed.t, anonymous: parsed.a === 1 }];
    });
    const { taken, more } = cutPage(loaded, { maxEntries: page.maxEntries, maxBytes: page.maxBytes });
    const last = taken.at(-1);
    const beyond = order.length > 0 && last !== undefined && compareCursor(order.at(-1)!, last) > 0;
    return {
      entries: taken.map((e) => (e.anonymous ? { blob: e.blob, storedAt: e.storedAt } : { blob: e.blob, owner: e.tag, storedAt: e.storedAt })),
      ...((more || beyond) && last ? { next: { expiresAt: last.expiresAt, tag: last.tag } } : {}),
    };
  }

  async list(room: string, now: number): Promise<StoredEntry[]> {
    return (await this.page(room, now, WHOLE_ROOM)).entries;
  }

  async remove(room: string, owner: string): Promise<boolean> {
    const member = `${room}:${owner}`;
    const gone = await this.#redis.kithRemove(
      this.#key(`e:${member}`), this.#key(`r:${room}`), this.#key('all'), this.#key('sz'), this.#key('bytes'),
      owner, member,
    );
    return gone > 0;
  }

  async stats(now: number): Promise<StoreStats> {
    const [entries, bytes] = await this.#redis.kithStats(this.#key('all'), this.#key('sz'), this.#key('bytes'), now);
    return { entries, bytes };
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(rest: string): string {
    return `${this.#prefix}${rest}`;
  }
}
