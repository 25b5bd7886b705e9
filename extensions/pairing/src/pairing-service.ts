/**
 * Runs pairings for the persona: new codes get a nameplate whose room is free, one attempt per
 * (rendezvous, code) at a time (a second wait for the same code joins the first), blobs published
 * through `ctx.rendezvous` and withdrawn after a linger that lets the friend read our last box, and
 * the friend saved (idempotently) on success. A code whose run gave its one guess away and then
 * failed is spent: it is refused from then on, so retrying cannot hand an attacker more guesses.
 */
import { KithError, type ExtensionContext, type Friend, type FriendCard } from '@kith/sdk';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { distinctLabel } from './distinct-label.js';
import { chooseNameplate } from './nameplate.js';
import { generateCode, pairingRoom, roomForNameplate, type PairingCode } from './pairing-code.js';
import { runPairing } from './pairing-run.js';
import { holdsBindableShare } from './room-message.js';
import { SpentCodes } from './spent-codes.js';

/** Keep our boxes published this long after success, so the friend can read the last one. */
const LINGER_MS = 60_000;
/** Pairing attempts one persona may run at once (each polls a rendezvous server). */
export const MAX_CONCURRENT_PAIRINGS = 4;
/** Time budget for looking for a free nameplate before a new code is handed out anyway. */
const NAMEPLATE_SEARCH_MS = 3000;

export interface PairingOutcome {
  readonly friend: Friend;
  readonly safetyCode: string;
  /** False when this friend was already saved (re-pairing is idempotent). */
  readonly created: boolean;
}

export class PairingService {
  private readonly running = new Map<string, Promise<PairingOutcome>>();
  private readonly spent = new SpentCodes();
  /** Aborted when the extension is turned off or Kith locks: running waits stop at once. */
  private readonly stopped = new AbortController();

  constructor(private readonly ctx: ExtensionContext) {}

  dispose(): void {
    this.stopped.abort();
  }

  /** A fresh typed code whose room on `rendezvousUrl` holds no share a run could bind right now. */
  async newCode(rendezvousUrl: string): Promise<PairingCode> {
    const budget = Date.now() + NAMEPLATE_SEARCH_MS;
    const nameplate = await chooseNameplate(async (candidate) => {
      if (Date.now() >= budget) return undefined;
      const room = roomForNameplate('typed', String(candidate));
      const look = this.ctx.rendezvous.fetch(rendezvousUrl, room).then((entries) => !holdsBindableShare(entries.map((e) => e.blob)), () => undefined);
      // Unreachable or slow: hand out the code anyway; the wait that follows reports the server.
      const timeUp = AbortSignal.timeout(Math.max(1, budget - Date.now()));
      const late = new Promise<undefined>((resolve) => timeUp.addEventListener('abort', () => resolve(undefined), { once: true }));
      return Promise.race([look, late]);
    });
    return generateCode(nameplate);
  }

  /** Pair through `rendezvousUrl` with `code`; `label` is what the user calls the friend. */
  pair(rendezvousUrl: string, code: PairingCode, label: string | undefined, timeoutMs: number): Promise<PairingOutcome> {
    const key = bytesToHex(sha256(utf8ToBytes(`${rendezvousUrl}\n${code.canonical}`)));
    let attempt = this.running.get(key);
    if (!attempt) {
      if (this.spent.has(key)) {
        return Promise.reject(
          new KithError('KITH_ERR_CONFLICT', 'This code was already used (a code pairs once, whether that worked or not). Start again with a new code', { reason: 'code-spent' }),
        );
      }
      if (this.running.size >= MAX_CONCURRENT_PAIRINGS) {
        return Promise.reject(
          new KithError('KITH_ERR_RATE_LIMITED', `At most ${MAX_CONCURRENT_PAIRINGS} pairings can wait at once; finish or cancel one first`),
        );
      }
      attempt = this.attempt(rendezvousUrl, code, label, timeoutMs, () => this.spent.add(key)).finally(() => this.running.delete(key));
      this.running.set(key, attempt);
    }
    return attempt;
  }

  private async attempt(url: string, code: PairingCode, label: string | undefined, timeoutMs: number, spend: () => void): Promise<PairingOutcome> {
    const { ctx } = this;
    const room = pairingRoom(code);
    const ownerTag = bytesToHex(randomBytes(16)); // secret: whoever knows an owner tag may replace the entry
    const owners: string[] = [];
    const withdraw = () => Promise.all(owners.map((owner) => ctx.rendezvous.unpublish(url, room, owner).catch(() => undefined)));
    const started = Date.now();
    let guessGiven = false;
    try {
      const result = await runPairing({
        code,
        label,
        ownerTag,
        timeoutMs,
        signal: this.stopped.signal,
        onConfirmSent: () => (guessGiven = true),
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
      let friend = await ctx.friends.save(existing ? result.friend : await this.withShownLabel(result.friend, label));
      // Saving again keeps the name the user gave before; a name typed for this pairing replaces it.
      if (existing && label !== undefined && label !== friend.label) friend = await ctx.friends.update(friend.peer, { label });
      spend(); // a code pairs once: used again, it says so rather than meeting this run's lingering shares
      ctx.diagnostics.trace({ stage: 'pairing', outcome: 'ok', peer: friend.peer, ms: Date.now() - started });
      ctx.events.emit('paired', { master_pubkey: friend.peer, label: friend.label, created: !existing });
      return { friend, safetyCode: result.safetyCode, created: !existing };
    } catch (error) {
      if (guessGiven) spend();
      await withdraw();
      const reason = (error as KithError).details?.reason;
      const detail = `${(error as Error).message}${reason ? ` [${String(reason)}]` : ''}${guessGiven ? ' (after our key confirmation)' : ''}`;
      ctx.diagnostics.trace({ stage: 'pairing', outcome: 'failed', detail, ms: Date.now() - started });
      throw error;
    }
  }

  /** A new friend under the user's label, or under their own made distinct from every saved friend's. */
  private async withShownLabel(friend: FriendCard, label: string | undefined): Promise<FriendCard> {
    if (label !== undefined) return friend;
    const taken = (await this.ctx.friends.list()).map((f) => f.label);
    return { ...friend, label: distinctLabel(friend.label, taken) };
  }
}
