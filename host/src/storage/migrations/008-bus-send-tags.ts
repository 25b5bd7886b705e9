import type { Kysely, Migration } from 'kysely';

/**
 * The correlation tag an extension gave `ctx.sessions.send` (`SendOptions.tag`), sealed with the
 * persona's at-rest key, kept with the queued event so its reports carry it after a restart too.
 */
export const busSendTags: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('bus_outbound').addColumn('tag', 'blob').execute();
  },
};
