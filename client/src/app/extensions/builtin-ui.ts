import { GENERATED_BUILTIN_UI } from './builtin-ui.generated';

/** A built-in extension's `ui/index.ts`: named exports of standalone components. */
export type BuiltinUiModule = Readonly<Record<string, unknown>>;

/** Extension id → lazy import of its UI module (each becomes its own chunk). */
export type BuiltinUiRegistry = Readonly<Record<string, () => Promise<BuiltinUiModule>>>;

/**
 * The built-in extensions whose UI is compiled into this client. Generated from the manifests of
 * `extensions/*` that have a `ui/index.ts` (client/scripts/gen-builtin-ui.mjs).
 */
export const BUILTIN_UI: BuiltinUiRegistry = GENERATED_BUILTIN_UI;
