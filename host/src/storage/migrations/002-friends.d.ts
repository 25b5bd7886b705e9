import type { Migration } from 'kysely';
/** Saved friends, per persona (the persona's master public key hex); one row per (persona, peer). */
export declare const friends: Migration;
