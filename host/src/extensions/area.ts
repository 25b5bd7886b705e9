import type { ContextProviders, HostArea, Kernel } from '../core/area.js';
import type { IdentityArea } from '../identity/area.js';

/** Where built-in extensions come from; the packaged executable passes a static list. */
export interface ExtensionSources {
  /** Folder scanned for built-in extensions (`extensions/*`), when not packaged. */
  readonly builtinDir?: string;
}

/** The extension loader and manager: /api/extensions, per-persona activation, contexts. */
export interface ExtensionsArea extends HostArea {}

/** Placeholder until the extension work lands. */
export function createExtensionsArea(
  _kernel: Kernel,
  _identity: IdentityArea,
  _providers: ContextProviders,
  _sources: ExtensionSources,
): ExtensionsArea {
  return { name: 'extensions' };
}
