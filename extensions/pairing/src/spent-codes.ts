/**
 * Codes that have been spent: their run sent a key confirmation (an attacker's one guess) and then
 * failed. Kept in memory, keyed by a hash of rendezvous URL and code, bounded in count and age.
 */
const MAX_SPENT = 1024;
const SPENT_FOR_MS = 24 * 3600_000;

export class SpentCodes {
  private readonly spentAt = new Map<string, number>();

  add(key: string, now = Date.now()): void {
    this.spentAt.delete(key);
    this.spentAt.set(key, now);
    while (this.spentAt.size > MAX_SPENT) this.spentAt.delete(this.spentAt.keys().next().value!);
  }

  has(key: string, now = Date.now()): boolean {
    const at = this.spentAt.get(key);
    if (at === undefined) return false;
    if (now - at < SPENT_FOR_MS) return true;
    this.spentAt.delete(key);
    return false;
  }
}
