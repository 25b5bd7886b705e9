/**
 * Runs pairings for the persona: one attempt per (rendezvous, code) at a time (a second wait for
 * the same code joins the first), blobs published through `ctx.rendezvous` and withdrawn after a
 * linger that lets the friend read our last box, and the friend saved (idempotently) on success.
 */
import { KithError, type ExtensionContext, type Friend } from '@kith/sdk';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { pairingRoom, type PairingCode } from './pairing-code.js';
import { runPairing } from './pairing-run.js';

/** Keep our boxes published this long after success, so the friend can read the last one. */
const LINGER_MS = 60_000;
/** Pairing attempts one persona may run at once (each polls a rendezvous server). */
export const MAX_CONCURRENT_PAIRINGS = 4;

export interface PairingOutcome {
  readonly friend: Friend;
  readonly safetyCode: string;
  /** False when this friend was already saved (re-pairing is idempotent). */
  readonly created: boolean;
}

export class PairingService {
  private readonly running = new Map<string, Promise<PairingOutcome>>();
  /** Aborted when the extension is turned off or Kith locks: running waits stop at once. */
  private readonly stopped = new AbortController();

  constructor(private readonly ctx: ExtensionContext) {}

  dispose(): void {
    this.stopped.abort();
  }

  /** Pair through `rendezvousUrl` with `code`; `label` is what the user calls the friend. */
  pair(rendezvousUrl: string, code: PairingCode, label: string | undefined, timeoutMs: number): Promise<PairingOutcome> {
    const key = `${rendezvousUrl}\n${code.canonical}`;
    let attempt = this.running.get(key);
    if (!attempt) {
      if (this.running.size >= MAX_CONCURRENT_PAIRINGS) {
        return Promise.reject(
          new KithError('KITH_ERR_RATE_LIMITED', `At most ${MAX_CONCURRENT_PAIRINGS} pairings can wait at once; finish or cancel one first`),
        );
      }
      attempt = this.attempt(rendezvousUrl, code, label, timeoutMs).finally(() => this.running.delete(key));
      this.running.set(key, attempt);
    }
    return attempt;
  }

  private async attempt(url: string, code: PairingCode, label: string | undefined, timeoutMs: number): Promise<PairingOutcome> {
    const { ctx } = this;
    const room = pairingRoom(code);
    const ownerTag = bytesToHex(randomBytes(8));
    const owners: string[] = [];
    const withdraw = () => Promise.all(owners.map((owner) => ctx.rendezvous.unpublish(url, room, owner).catch(() => undefined)));
    const started = Date.now();
    try {
      const result = await runPairing({
        code,
        label,
        ownerTag,
        timeoutMs,
        signal: this.stopped.signal,
        room: {
          publish: async (owner, blob) => {
            owners.push(owner);
            await ctx.rendezvous.publish(url, room, blob, owner);
          },
          fetch: () => ctx.rendezvous.fetch(url, room),
        },
        self: {
          card: { peer: ctx.persona.masterPublicKey, peerId: ctx.persona.peerId, label: ctx.persona.label },
          x25519For: (peer) => ctx.friends.ownX25519PublicKeyFor(peer),
        },
      });
      ctx.subscriptions.push(ctx.timers.setTimeout(() => void withdraw(), LINGER_MS));
      const existing = await ctx.friends.get(result.friend.peer);
      const friend = await ctx.friends.save(existing ? { ...result.friend, label: label ?? existing.label } : result.friend);
      ctx.diagnostics.trace({ stage: 'pairing', outcome: 'ok', peer: friend.peer, ms: Date.now() - started });
      ctx.events.emit('paired', { master_pubkey: friend.peer, label: friend.label, created: !existing });
      return { friend, safetyCode: result.safetyCode, created: !existing };
    } catch (error) {
      await withdraw();
      ctx.diagnostics.trace({ stage: 'pairing', outcome: 'failed', detail: (error as Error).message, ms: Date.now() - started });
      throw error;
    }
  }
}
