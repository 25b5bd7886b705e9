import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EventEmitter, KithError, type Event } from '@kith/sdk';
import type { ActivePersona, PersonaGate } from '../core/persona-gate.js';
import { PersonaDirectory, SLUG_PATTERN, type PersonaProfile } from './persona-directory.js';
import { UnlockedPersona } from './unlocked-persona.js';
import { entropyMnemonic, generatePersonaMnemonic, mnemonicEntropy, mnemonicSeed, normalizeMnemonic } from './mnemonic.js';
import { derivePersonaKeys, type PersonaKeys } from './persona-keys.js';
import { DEFAULT_VAULT_KDF, readVaultFile, writeVaultFile, type VaultKdfParams } from './vault.js';
import { checkLabel, MAX_LABEL_CHARS } from './label.js';

/** One row of `GET /api/personas`. */
export interface PersonaSummary {
  readonly slug: string;
  readonly label: string;
  readonly master_pubkey: string;
  readonly peer_id: string;
  readonly is_active: boolean;
  /** Whether the vault is open right now (several personas may be; one is active). */
  readonly is_unlocked: boolean;
  /** Its profile.json was unreadable: label is the slug and the keys are unknown until it is unlocked, which repairs it. */
  readonly profile_damaged?: true;
  /** Its vault (identity.enc) is gone: it cannot be unlocked; restore it from its 24 words under the same slug. */
  readonly vault_missing?: true;
}

/** `GET /api/identity/state`. */
export interface IdentityState {
  /** True while no persona is active (the lock gate answers 423). */
  readonly locked: boolean;
  /** The active persona, or while locked the one selected last (`active.txt`), or null. */
  readonly active_slug: string | null;
  readonly personas: readonly PersonaSummary[];
}

/**
 * At most this many vault operations (each one argon2 run of 64 MiB) running or queued at once;
 * more answer 429 at once, so a flood of unlock attempts neither queues without bound nor
 * exhausts memory.
 */
export const MAX_VAULT_OPERATIONS = 8;
export const MAX_PASSPHRASE_CHARS = 1024;

/**
 * Every persona on this machine: create, restore, unlock, select, lock, change passphrase. Also
 * the {@link PersonaGate} the rest of the host watches. Several personas may be unlocked; one is
 * active. Work on one persona's vault is serialised so two requests never write it at once.
 */
export class PersonaRegistry implements PersonaGate {
  readonly directory: PersonaDirectory;
  readonly #unlocked = new Map<string, UnlockedPersona>();
  readonly #onDidChangeActive = new EventEmitter<ActivePersona | undefined>();
  readonly onDidChangeActive: Event<ActivePersona | undefined> = this.#onDidChangeActive.event;
  readonly #kdf: VaultKdfParams;
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Locks so far: an unlock or a new persona that was under way when one happened does not open. */
  #locks = 0;
  /** Master keys of personas being created or restored right now (their profiles are not written yet). */
  readonly #adding = new Set<string>();
  #active: UnlockedPersona | undefined;
  #vaultOperations = 0;

  /** `kdf` is for tests and benchmarks only; the host always uses {@link DEFAULT_VAULT_KDF}. */
  constructor(dataDir: string, options: { kdf?: VaultKdfParams } = {}) {
    this.directory = new PersonaDirectory(dataDir);
    this.#kdf = options.kdf ?? DEFAULT_VAULT_KDF;
  }

  get active(): UnlockedPersona | undefined {
    return this.#active;
  }

  /** The unlocked persona `slug`, if any. */
  unlocked(slug: string): UnlockedPersona | undefined {
    return this.#unlocked.get(slug);
  }

  list(): PersonaSummary[] {
    return this.directory.list().map((p) => this.#summary(p));
  }

  state(): IdentityState {
    return {
      locked: this.#active === undefined,
      active_slug: this.#selectedSlug(),
      personas: this.list(),
    };
  }

  /** Create a persona with a fresh mnemonic; it is unlocked and made active. The mnemonic is returned once. */
  async create(input: { slug?: string; label: string; passphrase: string }): Promise<PersonaSummary & { mnemonic: string }> {
    const mnemonic = generatePersonaMnemonic();
    const summary = await this.#add(input, mnemonic);
    return { ...summary, mnemonic };
  }

  /** Restore a persona from its mnemonic (400 `KITH_ERR_BAD_MNEMONIC` if malformed); unlocked and made active. */
  async restore(input: { slug?: string; label: string; passphrase: string; mnemonic: string }): Promise<PersonaSummary> {
    return this.#add(input, normalizeMnemonic(input.mnemonic));
  }

  /** Open `slug`'s vault (401 on a wrong passphrase); activate it when asked or when none is active. */
  async unlock(slug: string, passphrase: string, setActive?: boolean): Promise<UnlockedPersona> {
    const profile = this.#requireVault(slug);
    checkPassphrase(passphrase);
    const locks = this.#locks;
    return this.#serial(slug, async () => {
      const { entropy } = await readVaultFile(this.directory.vaultFile(slug), passphrase);
      if (this.#locks !== locks) {
        // The user locked Kith while this unlock waited for its key: the lock wins.
        entropy.fill(0);
        throw new KithError('KITH_ERR_CONFLICT', 'Kith was locked while this unlock ran: unlock again', { reason: 'locked-meanwhile' });
      }
      let persona = this.#unlocked.get(slug);
      if (!persona) {
        const keys = keysFromEntropy(entropy);
        const masterHex = bytesToHex(keys.masterPublicKey);
        let opened = profile;
        if (profile.damaged) {
          // The vault is the truth: its keys give the master key back. The peer id lived only in
          // the lost profile, so the persona gets a new one (friends know it by its master key).
          const { damaged: _, ...rest } = profile;
          opened = { ...rest, master_pubkey: masterHex, peer_id: randomBytes(16).toString('hex') };
          // Repaired on disk when it can be (not on a full disk: the next unlock tries again).
          try {
            this.directory.writeProfile(opened);
          } catch {
            // the persona opens all the same, from its vault's keys
          }
        } else if (masterHex !== profile.master_pubkey) {
          throw new KithError('KITH_ERR_VAULT_CORRUPT', 'The vault does not match the persona profile', { reason: 'profile mismatch' });
        }
        persona = new UnlockedPersona(opened, keys);
        this.#unlocked.set(slug, persona);
      }
      entropy.fill(0);
      if (setActive === true || this.#active === undefined) this.#activate(persona);
      return persona;
    });
  }

  /** Make an unlocked persona the active one (423 if it is locked, 404 if unknown). */
  select(slug: string): UnlockedPersona {
    this.directory.require(slug);
    const persona = this.#unlocked.get(slug);
    if (!persona) throw new KithError('KITH_ERR_LOCKED', `Persona "${slug}" is locked: unlock it first`);
    this.#activate(persona);
    return persona;
  }

  /** Lock everything: the gate fires `undefined` first (listeners may still use keys), then every key is zeroed. */
  lock(): void {
    this.#locks++;
    const personas = [...this.#unlocked.values()];
    const wasActive = this.#active !== undefined;
    this.#active = undefined;
    this.#unlocked.clear();
    if (wasActive) this.#onDidChangeActive.fire(undefined);
    for (const persona of personas) persona.wipe();
  }

  /** Re-seal `slug`'s vault under a new passphrase (atomic; the old passphrase must be right). */
  async changePassphrase(slug: string, oldPassphrase: string, newPassphrase: string): Promise<void> {
    this.#requireVault(slug);
    checkPassphrase(oldPassphrase);
    checkPassphrase(newPassphrase);
    await this.#serial(slug, async () => {
      const file = this.directory.vaultFile(slug);
      const { entropy } = await readVaultFile(file, oldPassphrase);
      try {
        await writeVaultFile(file, entropy, newPassphrase, this.#kdf);
      } finally {
        entropy.fill(0);
      }
    });
  }

  /**
   * `slug`'s 24 recovery words again, for whoever knows its passphrase (the vault holds their
   * entropy): the words shown once at creation can be written down later, after a lost tab.
   */
  async recoveryWords(slug: string, passphrase: string): Promise<string> {
    this.#requireVault(slug);
    checkPassphrase(passphrase);
    return this.#serial(slug, async () => {
      const { entropy } = await readVaultFile(this.directory.vaultFile(slug), passphrase);
      try {
        return entropyMnemonic(entropy);
      } finally {
        entropy.fill(0);
      }
    });
  }

  /** Stop: lock everything. */
  dispose(): void {
    this.lock();
    this.#onDidChangeActive.dispose();
  }

  async #add(input: { slug?: string; label: string; passphrase: string }, mnemonic: string): Promise<PersonaSummary> {
    const label = checkLabel(input.label, `A label is 1-${MAX_LABEL_CHARS} printable characters`);
    checkPassphrase(input.passphrase);
    if (input.slug !== undefined && (typeof input.slug !== 'string' || !SLUG_PATTERN.test(input.slug))) {
      throw new KithError('KITH_ERR_BAD_REQUEST', 'A slug is 1-32 lowercase letters, digits and dashes');
    }
    const entropy = mnemonicEntropy(mnemonic);
    const keys = keysFromEntropy(entropy);
    const masterHex = bytesToHex(keys.masterPublicKey);
    const existing = this.directory.list().find((p) => p.master_pubkey === masterHex);
    // A persona whose vault is gone comes back under its own name from its own words, only.
    const lost = existing?.vault_missing ? existing : undefined;
    const holder = input.slug === undefined ? undefined : this.directory.get(input.slug);
    const refusal =
      existing && !lost
        ? new KithError('KITH_ERR_CONFLICT', `This mnemonic is already persona "${existing.slug}"`, { slug: existing.slug })
        : lost && input.slug !== undefined && input.slug !== lost.slug
          ? new KithError('KITH_ERR_CONFLICT', `This mnemonic is persona "${lost.slug}", whose vault is missing: restore it under that name`, { slug: lost.slug })
          : holder?.vault_missing && holder.master_pubkey !== masterHex
            ? new KithError('KITH_ERR_CONFLICT', `Persona "${holder.slug}" is another identity (its vault is missing): restore it from its own words, or choose another name`)
            : undefined;
    if (refusal) {
      entropy.fill(0);
      throw refusal;
    }
    // The check above sees only written profiles; a second restore of the same mnemonic under
    // another slug, started while the first is still sealing its vault, is refused here.
    if (this.#adding.has(masterHex)) {
      entropy.fill(0);
      throw new KithError('KITH_ERR_CONFLICT', 'This mnemonic is being added as a persona already');
    }
    let slug: string;
    try {
      slug = lost?.slug ?? input.slug ?? this.directory.slugFor(label);
    } catch (error) {
      entropy.fill(0);
      throw error;
    }
    this.#adding.add(masterHex);
    const locks = this.#locks;
    return this.#serial(slug, async () => {
      this.directory.prepare(slug);
      try {
        await writeVaultFile(this.directory.vaultFile(slug), entropy, input.passphrase, this.#kdf);
      } finally {
        entropy.fill(0);
      }
      const profile: PersonaProfile = {
        version: 1,
        slug,
        label,
        peer_id: randomBytes(16).toString('hex'),
        master_pubkey: masterHex,
        created_at: Date.now(),
      };
      this.directory.writeProfile(profile);
      // Locked meanwhile: the persona exists (its mnemonic is still answered once) but stays locked.
      const persona = new UnlockedPersona(profile, keys);
      if (this.#locks !== locks) {
        persona.wipe();
        return this.#summary(profile);
      }
      this.#unlocked.set(slug, persona);
      this.#activate(persona);
      return this.#summary(profile);
    }).finally(() => this.#adding.delete(masterHex));
  }

  /** The profile of `slug` (404 if unknown), 422 when its vault is gone. */
  #requireVault(slug: string): PersonaProfile {
    const profile = this.directory.require(slug);
    if (profile.vault_missing) {
      throw new KithError(
        'KITH_ERR_VAULT_CORRUPT',
        `The vault of persona "${slug}" (identities/${slug}/identity.enc) is missing: restore the persona from its 24 words under the same name`,
        { reason: 'vault-missing' },
      );
    }
    return profile;
  }

    #activate(persona: UnlockedPersona): void {
    if (this.#active === persona) return;
    // Remembered first: a write that fails leaves nothing half-switched.
    this.#rememberActive(persona.info.slug);
    this.#active = persona;
    this.#onDidChangeActive.fire(persona);
  }

  /**
   * Note which persona the locked page offers first. Only a convenience, so a full disk does not
   * keep anyone from unlocking and reading what is stored (the old choice is offered then).
   */
  #rememberActive(slug: string): void {
    if (this.directory.readActive() === slug) return;
    try {
      this.directory.writeActive(slug);
    } catch {
      // A full disk, a folder made read-only: the locked page offers the old choice, nothing else.
    }
  }

  #selectedSlug(): string | null {
    return this.#active?.info.slug ?? this.directory.readActive() ?? null;
  }

  #summary(p: PersonaProfile): PersonaSummary {
    return {
      slug: p.slug,
      label: p.label,
      master_pubkey: p.master_pubkey,
      peer_id: p.peer_id,
      // The selected persona, as `active_slug` says (while locked: the one selected last).
      is_active: this.#selectedSlug() === p.slug,
      is_unlocked: this.#unlocked.has(p.slug),
      ...(p.damaged ? { profile_damaged: true as const } : {}),
      ...(p.vault_missing ? { vault_missing: true as const } : {}),
    };
  }

  /**
   * Run `task` after every earlier task on `slug` has settled. Every vault operation goes through
   * here, so this is also where their number is bounded (429 `KITH_ERR_RATE_LIMITED` beyond it).
   */
  #serial<T>(slug: string, work: () => Promise<T>): Promise<T> {
    if (this.#vaultOperations >= MAX_VAULT_OPERATIONS) {
      return Promise.reject(new KithError('KITH_ERR_RATE_LIMITED', 'Too many unlock attempts at once; try again shortly'));
    }
    this.#vaultOperations++;
    const task = () => work().finally(() => this.#vaultOperations--);
    const previous = this.#queues.get(slug) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.#queues.set(slug, settled);
    void settled.then(() => {
      if (this.#queues.get(slug) === settled) this.#queues.delete(slug);
    });
    return next;
  }
}

function keysFromEntropy(entropy: Uint8Array): PersonaKeys {
  const seed = mnemonicSeed(entropyMnemonic(entropy));
  try {
    return derivePersonaKeys(seed);
  } finally {
    seed.fill(0);
  }
}

function checkPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string' || passphrase.length === 0 || passphrase.length > MAX_PASSPHRASE_CHARS) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `A passphrase is 1-${MAX_PASSPHRASE_CHARS} characters`);
  }
}

