/** What the feature behind a kind is called in a sentence ("peer has calls turned off"). */
const FEATURE_NOUNS: Readonly<Record<string, string>> = {
  chat: 'chat',
  presence: 'presence',
  friend: 'friend updates',
  file: 'file transfer',
  audio: 'calls',
  video: 'video calls',
};

/** Stream purposes of `stream.open`, as a feature. */
const PURPOSE_NOUNS: Readonly<Record<string, string>> = { file: 'file transfer', audio: 'calls', video: 'video calls' };

/** The feature noun for `kind` (and the stream purpose, for stream lifecycle kinds). */
export function featureNoun(kind: string, purpose?: string): string {
  if (purpose !== undefined) return PURPOSE_NOUNS[purpose] ?? `"${purpose}" streams`;
  const area = kind.slice(0, kind.indexOf('.'));
  return FEATURE_NOUNS[area] ?? `the ${area} extension`;
}

/** The sentence the sender's UI shows for a refusal. */
export function nackMessage(reason: string, kind: string, purpose?: string): string {
  switch (reason) {
    case 'kind-disabled':
      return `peer has ${featureNoun(kind, purpose)} turned off`;
    case 'kind-unknown':
      return `peer does not have ${featureNoun(kind, purpose)}`;
    case 'handler-failed':
      return `peer could not take the ${kind} event (its ${featureNoun(kind, purpose)} failed)`;
    case 'bad-header':
      return `peer refused a malformed ${kind} event`;
    default:
      return `peer refused the ${kind} event (${reason})`;
  }
}
