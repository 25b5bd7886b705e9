import fs from 'node:fs';
import path from 'node:path';
import { KithError } from '@kith/sdk';
import { writeFileAtomic } from '../storage/atomic-write.js';
import { isWholeVaultFile } from './vault.js';

/** `identities/<slug>/profile.json`: a persona's public facts (readable while locked). */
export interface PersonaProfile {
  readonly version: 1;
  readonly slug: string;
  readonly label: string;
  /** Random anonymous id other peers see (32 hex characters). */
  readonly peer_id: string;
  /** Hex of the Ed25519 master public key. */
  readonly master_pubkey: string;
  /** Unix ms. */
  readonly created_at: number;
  /**
   * Set when `profile.json` is missing or unreadable beside a whole vault: the persona is listed
   * (label = slug, keys unknown) instead of vanishing, and its next unlock writes the profile again.
   */
  readonly damaged?: true;
  /**
   * Set when `identity.enc` is gone beside a whole profile (the vault is written first, so it once
   * existed): the persona is listed so its owner knows which identity to restore from its 24 words;
   * it cannot be unlocked, and a restore under its slug takes its folder back.
   */
  readonly vault_missing?: true;
}

/** A slug: lowercase letters, digits and single dashes, 1-32 characters. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/**
 * The persona folders under `KITH_DATA`: `identities/<slug>/{identity.enc,profile.json}` and
 * `active.txt` (the selected slug). Every write is atomic.
 */
export class PersonaDirectory {
  readonly root: string;
  readonly #activeFile: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'identities');
    this.#activeFile = path.join(dataDir, 'active.txt');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  vaultFile(slug: string): string {
    return path.join(this.#folder(slug), 'identity.enc');
  }

  /** Every persona whose profile is readable, sorted by creation time. */
  list(): PersonaProfile[] {
    const profiles: PersonaProfile[] = [];
    for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !SLUG_PATTERN.test(entry.name)) continue;
      const profile = this.get(entry.name);
      if (profile) profiles.push(profile);
    }
    return profiles.sort((a, b) => a.created_at - b.created_at || a.slug.localeCompare(b.slug));
  }

  /**
   * The profile of `slug`, or undefined when that persona does not exist or is half-created (a
   * crash before its vault was whole). A whole vault whose profile is damaged is not hidden: it
   * comes back as a {@link PersonaProfile.damaged} stand-in, so its identity cannot seem lost.
   */
  get(slug: string): PersonaProfile | undefined {
    if (!SLUG_PATTERN.test(slug)) return undefined;
    const folder = this.#folder(slug);
    const vault = path.join(folder, 'identity.enc');
    const profile = readProfile(folder, slug);
    if (!fs.existsSync(vault)) return profile && { ...profile, vault_missing: true };
    if (profile) return profile;
    if (!isWholeVaultFile(vault)) return undefined;
    return { version: 1, slug, label: slug, peer_id: '', master_pubkey: '', created_at: Math.floor(fs.statSync(vault).mtimeMs), damaged: true };
  }

  require(slug: string): PersonaProfile {
    const profile = typeof slug === 'string' ? this.get(slug) : undefined;
    if (!profile) throw new KithError('KITH_ERR_NOT_FOUND', `No persona "${String(slug)}"`);
    return profile;
  }

  /**
   * Create the folder of a new persona; a folder left by a crash before its profile was written is
   * reused, and so is one whose vault is missing (restoring it from its words).
   */
  prepare(slug: string): void {
    const existing = this.get(slug);
    if (existing && !existing.vault_missing) throw new KithError('KITH_ERR_CONFLICT', `A persona "${slug}" already exists`);
    fs.mkdirSync(this.#folder(slug), { recursive: true, mode: 0o700 });
  }

  writeProfile(profile: PersonaProfile): void {
    writeFileAtomic(path.join(this.#folder(profile.slug), 'profile.json'), JSON.stringify(profile, null, 2) + '\n');
  }

  /** A free slug made from `label` (`Work Self` → `work-self`, then `work-self-2`, ...). */
  slugFor(label: string): string {
    const base =
      label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 28).replace(/-+$/, '') ||
      'persona';
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      if (!fs.existsSync(this.#folder(slug))) return slug;
    }
  }

  readActive(): string | undefined {
    try {
      const slug = fs.readFileSync(this.#activeFile, 'utf8').trim();
      return this.get(slug) ? slug : undefined;
    } catch {
      return undefined;
    }
  }

  writeActive(slug: string): void {
    writeFileAtomic(this.#activeFile, slug + '\n');
  }

  #folder(slug: string): string {
    if (!SLUG_PATTERN.test(slug)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A slug is 1-32 lowercase letters, digits and dashes');
    return path.join(this.root, slug);
  }
}

/** `profile.json` of the persona in `folder` when it is whole and names `slug`. */
function readProfile(folder: string, slug: string): PersonaProfile | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(folder, 'profile.json'), 'utf8')) as PersonaProfile;
    const whole = parsed?.slug === slug && typeof parsed.master_pubkey === 'string' && typeof parsed.peer_id === 'string' && typeof parsed.label === 'string';
    if (!whole) return undefined;
    const { damaged: _damaged, vault_missing: _missing, ...profile } = parsed;
    return profile;
  } catch {
    return undefined; // missing or not JSON
  }
}
