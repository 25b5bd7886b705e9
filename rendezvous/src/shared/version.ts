/** The Kith release version (package.json). Lives here so the rendezvous server can report it without importing the host. */
export const KITH_VERSION = '0.1.0';
