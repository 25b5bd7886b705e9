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
  };
  /** Saved friends (002-friends); `persona` is the persona's master public key hex. */
  friends: {
    id: Generated<number>;
    persona: string;
    peer: string;
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
}
