/**
 * Permissions: what an extension may do that changes whom the persona trusts. An extension lists
 * the ones it needs in its manifest's `permissions`; a member that needs one it did not list
 * throws `KITH_ERR_FORBIDDEN`. A third-party extension that asks for any permission stays off for
 * a persona until the user turns it on on the Extensions page, which shows each sentence below;
 * a new version that asks for more is off again until the user agrees to the new list.
 */

/** Every permission this SDK knows, with the sentence the user is shown. */
export const EXTENSION_PERMISSIONS = {
  'friends.manage': 'Add, rename, verify and remove your friends',
} as const satisfies Record<string, string>;

/** The name of a permission, e.g. `friends.manage`. */
export type ExtensionPermission = keyof typeof EXTENSION_PERMISSIONS;
