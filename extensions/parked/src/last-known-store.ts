/**
 * Where each friend was last seen, per family, sealed at rest under the extension's key and found
 * by a keyed tag of the friend's key (the table names no friend in clear). Fed by live sessions.
 */
import type { Endpoint, ExtensionContext, PeerKey } from '@kith/sdk';
import type { Migration } from 'kysely';

export interface LastKnown {
  readonly ipv4?: Endpoint;
  readonly ipv6?: Endpoint;
  /** Unix ms of the newest update. */
  readonly seenAt: number;
}

export const LAST_KNOWN_MIGRATIONS: Record<string, Migration> = {
  '001_last_known': {
    async up(db) {
      await db.schema.createTable('last_known')
        .addColumn('friend_tag', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/** A sealed row is bounded before it is opened and parsed. */
const MAX_SEALED = 4096;

function isEndpoint(value: unknown): value is Endpoint {
  const e = value as Endpoint | undefined;
  return typeof e === 'object' && e !== null && typeof e.address === 'string' && e.address.length <= 64
    && Number.isInteger(e.port) && e.port > 0 && e.port < 65536 && (e.family === 'ipv4' || e.family === 'ipv6');
}

export class LastKnownStore {
  constructor(private readonly ctx: Pick<ExtensionContext, 'storage' | 'sealing'>) {}

  async get(peer: PeerKey): Promise<LastKnown | undefined> {
    const row = await this.ctx.storage.db.selectFrom('last_known').select(['sealed']).where('friend_tag', '=', this.ctx.sealing.tag(peer)).executeTakeFirst();
    if (!row || typeof row.sealed !== 'string' || row.sealed.length > MAX_SEALED) return undefined;
    try {
      const parsed = JSON.parse(this.ctx.sealing.openText(row.sealed)) as Record<string, unknown>;
      return {
        ...(isEndpoint(parsed.ipv4) ? { ipv4: parsed.ipv4 } : {}),
        ...(isEndpoint(parsed.ipv6) ? { ipv6: parsed.ipv6 } : {}),
        seenAt: typeof parsed.seenAt === 'number' ? parsed.seenAt : 0,
      };
    } catch {
      return undefined;
    }
  }

  /** Remember `endpoint` as the friend's newest address of its family (loopback and LAN included: tests and homes). */
  async remember(peer: PeerKey, endpoint: Endpoint): Promise<void> {
    if (!isEndpoint(endpoint)) return;
    const previous = await this.get(peer);
    const next: LastKnown = { ...previous, [endpoint.family]: { address: endpoint.address, port: endpoint.port, family: endpoint.family }, seenAt: Date.now() };
    const tag = this.ctx.sealing.tag(peer);
    const sealed = this.ctx.sealing.sealText(JSON.stringify(next));
    await this.ctx.storage.db.insertInto('last_known').values({ friend_tag: tag, sealed, updated_at: next.seenAt })
      .onConflict((oc) => oc.column('friend_tag').doUpdateSet({ sealed, updated_at: next.seenAt })).execute();
  }

  async forget(peer: PeerKey): Promise<void> {
    await this.ctx.storage.db.deleteFrom('last_known').where('friend_tag', '=', this.ctx.sealing.tag(peer)).execute();
  }
}
