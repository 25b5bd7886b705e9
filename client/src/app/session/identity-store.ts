import { Injectable, computed, inject, signal } from '@angular/core';
import { ApiClient } from '../api/api-client';

/** A persona as the shell shows it (normalised from the host's snake_case answer). */
export interface Persona {
  readonly slug: string;
  readonly label: string;
  readonly masterPublicKey: string;
  readonly peerId: string;
  readonly active: boolean;
  /** True when its vault is open in this session (switching to it needs no passphrase). */
  readonly unlocked: boolean;
}

export interface IdentityState {
  readonly locked: boolean;
  readonly activeSlug: string | null;
  readonly personas: readonly Persona[];
}

/** What `POST /api/personas` and `/api/personas/restore` answer. */
export interface CreatedPersona {
  readonly slug: string;
  readonly label: string;
  /** Present only on create: shown once, never stored by the client. */
  readonly mnemonic?: string;
}

type Raw = Record<string, unknown>;

function normalisePersona(raw: Raw, activeSlug: string | null): Persona {
  const slug = String(raw['slug'] ?? '');
  return {
    slug,
    label: String(raw['label'] ?? slug),
    masterPublicKey: String(raw['master_pubkey'] ?? raw['masterPublicKey'] ?? ''),
    peerId: String(raw['peer_id'] ?? raw['peerId'] ?? ''),
    active: Boolean(raw['is_active'] ?? raw['active'] ?? slug === activeSlug),
    unlocked: Boolean(raw['unlocked'] ?? raw['is_unlocked'] ?? false),
  };
}

/**
 * Who is unlocked: the source of the login gate, the top bar's persona menu and every
 * persona-scoped page. Refreshed after each identity call and on every socket (re)connect.
 */
@Injectable({ providedIn: 'root' })
export class IdentityStore {
  readonly #api = inject(ApiClient);
  readonly #state = signal<IdentityState | null>(null);

  /** The last known state; null until the first load. */
  readonly state = this.#state.asReadonly();
  readonly locked = computed(() => this.#state()?.locked ?? true);
  readonly personas = computed(() => this.#state()?.personas ?? []);
  readonly active = computed(() => {
    const state = this.#state();
    if (!state || state.locked) return undefined;
    return state.personas.find((p) => p.slug === state.activeSlug) ?? state.personas.find((p) => p.active);
  });

  /** Fetch `GET /api/identity/state`. */
  async refresh(): Promise<IdentityState> {
    const raw = await this.#api.get<Raw>('/identity/state');
    const activeSlug = (raw['active_slug'] ?? raw['activeSlug'] ?? null) as string | null;
    const personasRaw = ((raw['personas'] as Raw[] | undefined) ?? []).filter((p) => p && typeof p === 'object');
    const state: IdentityState = {
      locked: Boolean(raw['locked']),
      activeSlug,
      personas: personasRaw.map((p) => normalisePersona(p, activeSlug)),
    };
    this.#state.set(state);
    return state;
  }

  /** Load once if nothing is known yet. */
  async ensureLoaded(): Promise<IdentityState> {
    return this.#state() ?? this.refresh();
  }

  async unlock(slug: string, passphrase: string): Promise<void> {
    await this.#api.post('/identity/unlock', { slug, passphrase, set_active: true });
    await this.refresh();
  }

  async lock(): Promise<void> {
    await this.#api.post('/identity/lock', {});
    await this.refresh();
  }

  async select(slug: string): Promise<void> {
    await this.#api.post('/personas/select', { slug });
    await this.refresh();
  }

  /** Create a persona; the answer carries the mnemonic once. */
  async create(label: string, passphrase: string): Promise<CreatedPersona> {
    // The host picks a unique slug from the label.
    const created = await this.#api.post<Raw>('/personas', { label, passphrase });
    await this.refresh();
    return { slug: String(created['slug']), label, mnemonic: created['mnemonic'] as string | undefined };
  }

  /** Restore a persona from its 24-word mnemonic. */
  async restore(label: string, passphrase: string, mnemonic: string): Promise<CreatedPersona> {
    const created = await this.#api.post<Raw>('/personas/restore', {
      label,
      passphrase,
      mnemonic: mnemonic.trim().toLowerCase().split(/\s+/).join(' '),
    });
    await this.refresh();
    return { slug: String(created['slug']), label };
  }
}
