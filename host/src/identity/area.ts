import { EventEmitter } from '@kith/sdk';
import type { HostArea, Kernel } from '../core/area.js';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';

/** Identity & storage: personas, the vault, lock/unlock, friends, scoped storage, sealing. */
export interface IdentityArea extends HostArea {
  readonly gate: PersonaGate;
  /**
   * Called once the gateway exists (the gate must exist before it): mount routes here.
   * `kernel.gateway` passed to `createIdentityArea` is not usable yet.
   */
  bind?(kernel: Kernel): void;
}

/** Placeholder until the identity work lands: always locked. */
export function createIdentityArea(_kernel: Pick<Kernel, 'config' | 'log' | 'database'>): IdentityArea {
  return {
    name: 'identity',
    gate: { active: undefined, onDidChangeActive: new EventEmitter<ActivePersona | undefined>().event },
  };
}
