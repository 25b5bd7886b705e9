/**
 * Permissions: what an extension may do that changes whom the persona trusts, or that reaches
 * past Kith (the microphone, the camera, the screen). An extension lists
 * the ones it needs in its manifest's `permissions`; a member that needs one it did not list
 * throws `KITH_ERR_FORBIDDEN`. A third-party extension that asks for any permission stays off for
 * a persona until the user turns it on on the Extensions page, which shows each sentence below;
 * a new version that asks for more is off again until the user agrees to the new list.
 */

/** Every permission this SDK knows, with the sentence the user is shown. */
export const EXTENSION_PERMISSIONS = {
  'friends.manage': 'Add, rename, verify and remove your friends',
  /**
   * API 1.4. Its views may use the microphone and camera and share the screen once this page may
   * (the browser asks for the page once; calls ask too). Without it a view's frame is served a
   * policy that turns them off, so `getUserMedia` and `getDisplayMedia` fail with `NotAllowedError`.
   */
  'media.capture': 'Use your microphone and camera, and share your screen, in its views',
} as const satisfies Record<string, string>;

/** The name of a permission, e.g. `friends.manage`. */
export type ExtensionPermission = keyof typeof EXTENSION_PERMISSIONS;
