/** `peer` when it names a friend (a 64-hex key), else null: Notes to self (`self`), nothing, or junk from a URL. */
export function friendKey(peer: unknown): string | null {
  return typeof peer === 'string' && /^[0-9a-f]{64}$/.test(peer) ? peer : null;
}
