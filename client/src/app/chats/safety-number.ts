/**
 * A safety number two friends can compare at any time: 12 groups of 5 digits from SHA-256 over both
 * master public keys, in sorted order, so both sides compute the same one. It changes if either
 * key is not the one the other side holds, which is what comparing it checks.
 */
export async function safetyNumber(myKey: string, theirKey: string): Promise<string> {
  const [first, second] = [myKey.toLowerCase(), theirKey.toLowerCase()].sort();
  const input = new TextEncoder().encode(`kith/safety-number/v1/${first}/${second}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    // 20 bits per group (2.5 bytes), reduced to 5 digits.
    const bitOffset = i * 20;
    const byte = bitOffset >> 3;
    const value = ((digest[byte]! << 16) | (digest[byte + 1]! << 8) | digest[byte + 2]!) >> (4 - (bitOffset & 7)) & 0xfffff;
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
