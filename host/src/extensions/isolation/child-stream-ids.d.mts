/** streams.forFriend as the extension host derives it (the same ids as host/src/bus/stream-ids.ts). */
export declare function forFriend(
  own: string,
  peer: string,
  extensionId: string,
  purpose: string,
  rebuild: (error: { code: string; message: string }) => Error,
): string;
