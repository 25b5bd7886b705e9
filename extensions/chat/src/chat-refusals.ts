/**
 * Chat's own words for a friend's host refusing a chat event. The host's NACK message names only
 * the kind ("peer has chat.text turned off"); what that means to a person is chat's to say.
 */
export function refusalMessage(reason: string, hostMessage: string): string {
  switch (reason) {
    case 'kind-disabled':
      return 'Your friend has chat turned off';
    case 'kind-unknown':
      return "Your friend's Kith has no chat";
    case 'handler-failed':
      return "Your friend's chat failed to take the message";
    default:
      return hostMessage;
  }
}
