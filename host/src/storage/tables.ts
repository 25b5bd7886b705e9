import type { Generated } from 'kysely';

/**
 * Kysely types of the host's own tables. Each migration in ./migrations adds its tables here.
 * Extension tables are not listed: they live in each extension's namespace.
 */
export interface HostTables {
  /** Per-persona on/off state of each extension. */
  extension_state: {
    persona: string;
    extension_id: string;
    enabled: number;
    updated_at: number;
    /** JSON array of the permissions granted when it was turned on (010); null before. */
    granted: string | null;
  };
  /**
   * Saved friends (002-friends, sealed by 006); `persona` is the persona's master public key hex.
   * `peer_tag` is a keyed hash of the friend's master key and `sealed` holds the friend's card;
   * `label`, `last_peer_id` and `x25519_public_key` are only filled in rows not converted yet.
   */
  friends: {
    id: Generated<number>;
    persona: string;
    peer_tag: string;
    sealed: string | null;
    label: string;
    last_peer_id: string | null;
    x25519_public_key: string;
    verified: number;
    auto_connect: number;
    added_at: number;
    updated_at: number;
  };
  /** Per-persona extension settings (JSON values). */
  extension_settings: {
    persona: string;
    extension_id: string;
    setting_id: string;
    value_json: string;
  };
  /**
   * Bus outbound queue (003-bus): one reliable event waiting for its ACK; header+payload sealed.
   * In every bus table `peer` is the friend's peer tag (007), not the key.
   */
  bus_outbound: {
    id: number;
    persona: string;
    peer: string;
    stream: string;
    seq: number;
    kind: string;
    flags: number;
    priority: number;
    extension_id: string;
    event_id: string;
    sealed: Uint8Array;
    /** `pending` or `inflight` (sent in the live session, not yet acknowledged). */
    state: string;
    enqueued_at: number;
  };
  /** Bus: next durable seq per outbound stream (restart-safe). */
  bus_out_streams: { persona: string; peer: string; stream: string; next_seq: number; used_at: Generated<number> };
  /** Bus: highest durable seq delivered in order per inbound stream; `used_at` (009) when last written. */
  bus_in_streams: { persona: string; peer: string; stream: string; hwm: number; used_at: number };
  /** Bus: recent refusals of durable inbound events, repeated to a sender that retransmits them. */
  bus_in_refusals: { persona: string; peer: string; stream: string; seq: number; reason: string; message: string; refused_at: number };
  /** Bus (007): personas whose bus rows hold peer tags (storage/peer-tag.ts) instead of keys. */
  bus_tagged_personas: { persona: string };
  /** Bus (005): delivery reports not yet handled by their extension; the report is sealed. */
  bus_reports: { id: Generated<number>; persona: string; extension_id: string; sealed: Uint8Array; created_at: number };
}
