import type { Migration } from 'kysely';
export declare const extensionState: Migration;
