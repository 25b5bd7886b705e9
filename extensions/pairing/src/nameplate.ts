/**
 * Choosing the number of a new code (its nameplate): one whose room on the rendezvous holds no
 * bindable share right now, so two pairings rarely meet in one room, and shares camped in a room
 * before the code exists are simply avoided. Short numbers first (easier to read aloud), longer
 * ones when those are taken. The number is public: it only has to be free, not secret.
 */
import { KithError } from '@kith/sdk';
import { randomBytes } from '@noble/hashes/utils.js';
import { MAX_NAMEPLATE } from './pairing-code.js';

/** Random tries among 1..99, then among 100..MAX_NAMEPLATE. */
const SHORT_TRIES = 6;
const LONG_TRIES = 10;

/**
 * Is the room of this nameplate free (no share a run could bind)? `undefined` when the rendezvous
 * could not be asked in time (then that candidate is used: the wait that follows reports an
 * unreachable server itself).
 */
export type RoomProbe = (nameplate: number) => Promise<boolean | undefined>;

export async function chooseNameplate(probe: RoomProbe): Promise<number> {
  const candidates = [...randomDistinct(1, 99, SHORT_TRIES), ...randomDistinct(100, MAX_NAMEPLATE, LONG_TRIES)];
  for (const nameplate of candidates) {
    const empty = await probe(nameplate);
    if (empty !== false) return nameplate;
  }
  throw new KithError(
    'KITH_ERR_CONFLICT',
    `Every pairing room tried on this rendezvous is in use (${candidates.length} of them): someone may be interfering. Try again in a minute, or use another rendezvous server`,
    { reason: 'rooms-busy' },
  );
}

function randomDistinct(min: number, max: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, max - min + 1)) {
    const [hi, lo] = randomBytes(2);
    picked.add(min + (((hi! << 8) | lo!) % (max - min + 1)));
  }
  return [...picked];
}
