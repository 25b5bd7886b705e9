/**
 * How often "typing" may pass, per friend and direction. A page (or a script holding its socket)
 * can emit typing events as fast as it likes, and a friend can send them as fast as its link
 * allows; each one costs a datagram and a repaint of the other person's page. A state the other
 * side already has passes again only after {@link REPEAT_MS} (a refresh for its indicator's
 * timeout); a change passes while the friend's small budget lasts. A dropped stop only leaves the
 * indicator on until the page's own timeout.
 */

/** Typing events one friend may pass at once, then {@link PER_SECOND} a second. */
export const BURST = 4;
export const PER_SECOND = 1;
/** The same state again within this long adds nothing. */
export const REPEAT_MS = 3000;
/** Friends remembered (the oldest is forgotten past this; a forgotten one starts afresh). */
const MAX_PEERS = 1024;

interface PeerState {
  typing: boolean;
  at: number;
  tokens: number;
  refilledAt: number;
}

export class TypingGate {
  readonly #peers = new Map<string, PeerState>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether `typing` for `peer` should pass now (and, if so, it is counted). */
  pass(peer: string, typing: boolean): boolean {
    const now = this.now();
    let state = this.#peers.get(peer);
    if (!state) {
      if (this.#peers.size >= MAX_PEERS) this.#peers.delete(this.#peers.keys().next().value!);
      state = { typing: !typing, at: -Infinity, tokens: BURST, refilledAt: now };
      this.#peers.set(peer, state);
    }
    state.tokens = Math.min(BURST, state.tokens + ((now - state.refilledAt) * PER_SECOND) / 1000);
    state.refilledAt = now;
    if (typing === state.typing && now - state.at < REPEAT_MS) return false;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    state.typing = typing;
    state.at = now;
    return true;
  }
}
