import type { Migration } from 'kysely';
/**
 * The event-stream bus (host/src/bus, docs/wire/reliability.md): the outbound queue
 * (store-and-forward, header+payload sealed at rest), restart-safe per-stream sequence counters,
 * and the inbound high-water marks that make delivery exactly-once across restarts.
 * Every row is scoped by `persona` (hex of the persona's master public key).
 */
export declare const bus: Migration;
