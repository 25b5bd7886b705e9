/**
 * Redaction for the report a user shares: no keys, no labels, addresses masked. Works on every
 * string of the report (details of traces carry endpoints and keys in free text too), so a field
 * added later cannot leak by being forgotten here.
 *
 * - Hex runs of 16+ characters (keys, peer ids, room ids, tags), and shortened ones ending in `…`,
 *   become `key#1`, `key#2`, ...: the same value keeps its number, so the reader can still follow
 *   one friend through the report.
 * - Every given label (friends', the persona's, room words) becomes `[label]`.
 * - IPv4 addresses keep their first octet (`203.x.x.x`), IPv6 their first group (`2001:x:…`), so
 *   the reader still sees private versus public; ports stay (they carry no identity).
 */
export class Redactor {
  readonly #keys = new Map<string, string>();
  readonly #labels: readonly string[];

  constructor(labels: readonly string[]) {
    // Longest first, so a label containing another is replaced whole.
    this.#labels = [...new Set(labels.filter((l) => typeof l === 'string' && l.trim().length >= 2))].sort((a, b) => b.length - a.length);
  }

  /** A deep copy of `value` with every string redacted (object keys are the report's own names). */
  redact<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redact(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redact(v);
      return out as T;
    }
    return value;
  }

  text(input: string): string {
    let s = input;
    for (const label of this.#labels) s = s.split(label).join('[label]');
    s = s.replace(/(?<![0-9A-Za-z])[0-9a-fA-F]{16,}(?![0-9A-Za-z])/g, (hex) => this.#keyName(hex.toLowerCase()));
    // A shortened id (`room f70ccacb…`) is a prefix of a hash: 32 bits of an unsalted room id
    // are enough to check guesses of its word offline, so prefixes are numbered too.
    s = s.replace(/(?<![0-9A-Za-z])[0-9a-fA-F]{6,15}(?=…)/g, (hex) => this.#keyName(hex.toLowerCase()));
    s = s.replace(/(?<![\d.])(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])/g, (_m, first: string) => `${first}.x.x.x`);
    s = s.replace(/(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])/g, (m) => maskIpv6(m));
    return s;
  }

  #keyName(hex: string): string {
    let name = this.#keys.get(hex);
    if (!name) this.#keys.set(hex, (name = `key#${this.#keys.size + 1}`));
    return name;
  }
}

/** An IPv6-looking run: masked when it is one (has `::` or eight groups); times like 13:45:12 stay. */
function maskIpv6(candidate: string): string {
  const groups = candidate.split(':');
  if (!candidate.includes('::') && groups.length < 8) return candidate;
  if (candidate === '::' || candidate === '::1') return candidate;
  return `${groups[0] || '0'}:x:…`;
}
