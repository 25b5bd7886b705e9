import type { Event, PersonaInfo } from '@kith/sdk';

/**
 * The unlocked, active persona as the rest of the host sees it. Secrets stay inside the identity
 * module; other modules get derived keys and operations, never the seed.
 */
export interface ActivePersona {
  readonly info: PersonaInfo;
  /** 32-byte symmetric at-rest key for sealing (SDK `ctx.sealing`). */
  readonly atRestKey: Uint8Array;
}

/** Who is unlocked and active. The lock gate, the extension manager and the bus watch this. */
export interface PersonaGate {
  /** The active unlocked persona, or undefined while Kith is locked. */
  readonly active: ActivePersona | undefined;
  /** Fires after unlock, persona switch and lock (with undefined). */
  readonly onDidChangeActive: Event<ActivePersona | undefined>;
}
