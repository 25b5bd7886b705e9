import type { Migration } from 'kysely';
/**
 * The host's migrations, in order. Names sort; never rename or edit a landed migration: add a new
 * one. Each area adds its own file and one line here.
 */
export declare const HOST_MIGRATIONS: Readonly<Record<string, Migration>>;
