import { Redis } from 'ioredis';
import { KithError } from '@kith/sdk';
import { entryBytes, type PutRequest, type RoomStore, type StoreStats, type StoredEntry } from './room-store.js';

// Keys (prefix default `kith:rv:`):
//   e:<room>:<owner>  string, the entry JSON {b, t, a}; expires natively (PX ttl)
//   r:<room>          zset owner → expiresAt; expires with its newest entry
//   all               zset <room>:<owner> → expiresAt, for the total-entries cap
//   sz                hash <room>:<owner> → approximate bytes; `bytes` holds the sum
// The two scripts run atomically in Redis, so several rendezvous processes enforce one set of caps.

const PRUNE = `
local function prune(allKey, sizesKey, bytesKey, now)
  local old = redis.call('ZRANGEBYSCORE', allKey, '-inf', now, 'LIMIT', 0, 500)
  for _, m in ipairs(old) do
    local s = redis.call('HGET', sizesKey, m)
    if s then redis.call('DECRBY', bytesKey, s); redis.call('HDEL', sizesKey, m) end
    redis.call('ZREM', allKey, m)
  end
end
`;

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
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[3], now + ttl, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[9])
redis.call('INCRBY', KEYS[5], growth)
return 'OK'
`;

const REMOVE_SCRIPT = `
local gone = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
local s = redis.call('HGET', KEYS[4], ARGV[2])
if s then redis.call('DECRBY', KEYS[5], s); redis.call('HDEL', KEYS[4], ARGV[2]) end
return gone
`;

const STATS_SCRIPT = `${PRUNE}
prune(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]))
return {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0')}
`;

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

  /** Connect to `url` (`redis://host:port[/db]`) and check it answers. */
  static async connect(url: string, options: { prefix?: string } = {}): Promise<RedisRoomStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true }) as ScriptedRedis;
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
    const { room, owner } = request;
    const member = `${room}:${owner}`;
    const value = JSON.stringify({ b: request.blob, t: request.now, a: request.anonymous ? 1 : 0 });
    const outcome = await this.#redis.kithPut(
      this.#key('e', member), this.#key('r', room), `${this.#prefix}all`, `${this.#prefix}sz`, `${this.#prefix}bytes`,
      owner, member, value, request.now, request.ttlMs,
      request.maxEntriesPerRoom, request.maxEntries, request.maxStoreBytes, entryBytes(room, owner, request.blob),
    );
    if (outcome === 'ROOM_FULL') throw new KithError('KITH_ERR_ROOM_FULL');
    if (outcome === 'STORE_FULL') throw new KithError('KITH_ERR_STORE_FULL');
  }

  async list(room: string, now: number): Promise<StoredEntry[]> {
    const owners = await this.#redis.zrangebyscore(this.#key('r', room), `(${now}`, '+inf');
    if (owners.length === 0) return [];
    const values = await this.#redis.mget(owners.map((owner) => this.#key('e', `${room}:${owner}`)));
    const entries: StoredEntry[] = [];
    values.forEach((raw, i) => {
      if (raw === null) return; // expired between the two reads
      const parsed = JSON.parse(raw) as { b: string; t: number; a: number };
      entries.push(parsed.a ? { blob: parsed.b, storedAt: parsed.t } : { blob: parsed.b, owner: owners[i]!, storedAt: parsed.t });
    });
    return entries.sort((a, b) => a.storedAt - b.storedAt);
  }

  async remove(room: string, owner: string): Promise<boolean> {
    const member = `${room}:${owner}`;
    const gone = await this.#redis.kithRemove(
      this.#key('e', member), this.#key('r', room), `${this.#prefix}all`, `${this.#prefix}sz`, `${this.#prefix}bytes`,
      owner, member,
    );
    return gone > 0;
  }

  async stats(now: number): Promise<StoreStats> {
    const [entries, bytes] = await this.#redis.kithStats(`${this.#prefix}all`, `${this.#prefix}sz`, `${this.#prefix}bytes`, now);
    return { entries, bytes };
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(kind: 'e' | 'r', rest: string): string {
    return `${this.#prefix}${kind}:${rest}`;
  }
}
