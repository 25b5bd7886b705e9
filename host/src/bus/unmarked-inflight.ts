/** Sets smaller than this are not pruned: at most a window of rows in flight (DURABLE_WINDOW). */
const PRUNE_FROM = 512;
/** What {@link UnmarkedInflight.ids} answers for a key with nothing taken: no array per pump. */
const NO_IDS: readonly number[] = Object.freeze([]);

/**
 * What the outbound queue keeps in memory when a full disk refuses its in-flight marks.
 *
 * Marking a queued row "in flight" is a write. A full disk refuses it, and every queued event
 * (a receiver's "my disk is full" notice among them) would wait for room. The marks only say
 * what this session has already sent, and "in flight" never had to survive a restart, so rows
 * taken without a mark are remembered here instead, until they are gone or their session ends.
 * Returning a closed session's marks to pending is a write too: when the disk refuses it, the
 * revert is owed, and that peer's marked rows count as pending until a later take pays it.
 * Keys are `${persona}:${peer}`.
 */
export class UnmarkedInflight {
  /** Row ids taken for sending without a mark, per key. */
  readonly #taken = new Map<string, Set<number>>();
  /** The size of each key's set after its last prune. */
  readonly #prunedSize = new Map<string, number>();
  /** Keys whose revert failed. */
  readonly #owedPeers = new Set<string>();
  /** Personas whose revert (at lock) failed: each of their keys owes one until it is settled. */
  readonly #owedPersonas = new Set<string>();
  /** The revert of every row at start failed. */
  #owedAll = false;
  /** Keys whose revert was paid since their persona's (or the start's) failed. */
  readonly #settled = new Set<string>();

  /** Row ids `key` took without a mark this session (a take skips them). */
  ids(key: string): readonly number[] {
    const taken = this.#taken.get(key);
    return taken ? [...taken] : NO_IDS;
  }

  take(key: string, ids: readonly number[]): void {
    if (ids.length === 0) return;
    let taken = this.#taken.get(key);
    if (!taken) this.#taken.set(key, (taken = new Set()));
    for (const id of ids) taken.add(id);
  }

  /**
   * Forget the ids whose rows are gone (acknowledged or refused), once the set has doubled since
   * it was last pruned. Deletions are not followed one by one: the transaction that deletes a row
   * may still roll back on the full disk, and the row must then stay skipped.
   */
  prune(key: string, stillQueued: (ids: number[]) => readonly number[]): void {
    const taken = this.#taken.get(key);
    if (!taken || taken.size < Math.max(PRUNE_FROM, 2 * (this.#prunedSize.get(key) ?? 0))) return;
    const kept = new Set(stillQueued([...taken]));
    for (const id of taken) if (!kept.has(id)) taken.delete(id);
    this.#prunedSize.set(key, taken.size);
  }

  /** The key's session ended: what it took unmarked is pending again (it always was on disk). */
  sessionEnded(key: string): void {
    this.#taken.delete(key);
    this.#prunedSize.delete(key);
  }

  /** Every session of `persona` ended (lock or switch). */
  personaEnded(persona: string): void {
    for (const key of [...this.#taken.keys()]) if (key.startsWith(`${persona}:`)) this.sessionEnded(key);
  }

  owePeer(key: string): void {
    this.#owedPeers.add(key);
  }

  owePersona(persona: string): void {
    this.#owedPersonas.add(persona);
    for (const key of [...this.#settled]) if (key.startsWith(`${persona}:`)) this.#settled.delete(key);
  }

  oweAll(): void {
    this.#owedAll = true;
  }

  /** True when rows of `key` marked in flight belong to a session that ended. */
  owes(persona: string, key: string): boolean {
    if (this.#owedPeers.has(key)) return true;
    return (this.#owedAll || this.#owedPersonas.has(persona)) && !this.#settled.has(key);
  }

  /** The key's marks were returned to pending. */
  settle(key: string): void {
    this.#owedPeers.delete(key);
    if (this.#owedAll || this.#owedPersonas.size > 0) this.#settled.add(key);
  }
}
