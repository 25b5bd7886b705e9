import type { ExtensionManifest } from '@kith/sdk';
import { KithError } from '@kith/sdk';

/** What the host knows about one installed extension, independent of any persona. */
export interface ExtensionRecord {
  readonly id: string;
  readonly root: string;
  readonly builtin: boolean;
  /** The manifest's display name (the folder name when the manifest is invalid). */
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** Undefined when the manifest failed validation. */
  readonly manifest: ExtensionManifest | undefined;
  /**
   * Why the extension can never run with this installation (invalid manifest, unsupported host
   * version, missing dependency, duplicate id): it is reported as faulted for every persona.
   */
  installError: KithError | undefined;
  /** Manifest warnings (legal but probably wrong, e.g. a shadowed route): logged at start. */
  readonly warnings?: readonly string[];
  /** Import the entry module (once; later calls reuse the first result). */
  readonly load: () => Promise<unknown>;
}

/** The error as the API reports it. */
export interface ErrorReport {
  readonly code: string;
  readonly message: string;
}

export function reportError(error: unknown): ErrorReport {
  if (error instanceof KithError || (typeof error === 'object' && error !== null && 'code' in error && 'message' in error)) {
    const e = error as { code: unknown; message: unknown };
    if (typeof e.code === 'string' && e.code.startsWith('KITH_ERR_')) return { code: e.code, message: String(e.message) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'KITH_ERR_INTERNAL', message: message.slice(0, 1000) };
}
