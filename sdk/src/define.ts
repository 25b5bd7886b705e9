import type { ExtensionModule } from './context.js';

/**
 * Declare an extension's entry module. Purely for typing: it returns its argument, so
 * `export default defineExtension({ activate(ctx) { ... } })` gets full editor help.
 */
export function defineExtension(module: ExtensionModule): ExtensionModule {
  if (typeof module?.activate !== 'function') throw new TypeError('defineExtension needs an activate(context) function');
  return module;
}
