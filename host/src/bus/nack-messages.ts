/**
 * The sentence the sender's UI may show for a refusal. The host knows no feature, so it names
 * only the kind (and a stream's purpose); an extension that wants its own words maps the reason
 * of the report it receives (`onDidNack`) to them.
 */
export function nackMessage(reason: string, kind: string, purpose?: string): string {
  const what = purpose === undefined ? kind : `${kind} (${purpose})`;
  switch (reason) {
    case 'kind-disabled':
      return `peer has ${what} turned off`;
    case 'kind-unknown':
      return `peer does not handle ${what}`;
    case 'handler-failed':
      return `peer failed to take a ${what} event`;
    case 'stream-not-owned':
      return `peer refused a ${what} event on a stream of another extension`;
    case 'bad-header':
      return `peer refused a malformed ${what} event`;
    default:
      return `peer refused a ${what} event (${reason})`;
  }
}
