import type { Migration } from 'kysely';
/**
 * The bus's memory of refused durable events (docs/wire/reliability.md): the receiver repeats a
 * refusal when the sender retransmits the event or in its ACKs, so a lost NACK never turns a
 * refusal into "delivered". Kept beside the high-water mark, in the same transaction, so a
 * restart between refusing and the sender's retransmit forgets nothing. At most 64 per stream.
 */
export declare const busRefusals: Migration;
