/**
 * An extension's own error codes, in the shape of the host's catalogue (code, status, message).
 * The manifest declares them (`kith.errors`); `defineErrors` gives both sides typed codes: the
 * host side throws `errors.create('POLL_CLOSED')` from a route and the client gets that status and
 * `{ error: { code: 'KITH_EXT_POLLS_POLL_CLOSED', message } }`; the UI side tests `errors.is(e, 'POLL_CLOSED')`.
 */
import { EXTENSION_ERROR_CODE, KithError, type ExtensionErrorCode } from './errors.js';

/** One entry of `kith.errors`: a name local to the extension, an HTTP error status, a default message. */
export interface ErrorDeclaration {
  /** Upper snake case, 1 to 48 characters, e.g. `POLL_CLOSED`; the full code adds the extension's prefix. */
  readonly code: string;
  /** An HTTP error status, 400 to 599. */
  readonly status: number;
  /** The default message, 1 to 200 characters. */
  readonly message: string;
}

/** Declared names: upper-case letter first, then upper-case letters, digits and `_`. */
export const ERROR_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,47}$/;
const EXTENSION_ID = /^[a-z][a-z0-9-]{1,31}$/;

/** The full code of `name` for extension `extensionId`: `KITH_EXT_<ID>_<NAME>`. */
export type ExtensionErrorCodeOf<Id extends string, Name extends string> = `KITH_EXT_${Uppercase<Id>}_${Name}` & ExtensionErrorCode;

/** `extensionErrorCode('my-polls', 'POLL_CLOSED')` → `KITH_EXT_MY-POLLS_POLL_CLOSED`. Throws on a malformed id or name. */
export function extensionErrorCode<Id extends string, Name extends string>(extensionId: Id, name: Name): ExtensionErrorCodeOf<Id, Name> {
  if (!EXTENSION_ID.test(extensionId)) throw new TypeError(`"${extensionId}" is not an extension id`);
  if (!ERROR_NAME_PATTERN.test(name)) throw new TypeError(`error name "${name}" must match ${ERROR_NAME_PATTERN}`);
  return `KITH_EXT_${extensionId.toUpperCase()}_${name}` as ExtensionErrorCodeOf<Id, Name>;
}

/** The extension id and declared name a code belongs to, or undefined when it is no extension code. */
export function parseExtensionErrorCode(code: string): { readonly extensionId: string; readonly name: string } | undefined {
  const match = EXTENSION_ERROR_CODE.exec(code);
  return match ? { extensionId: match[1]!.toLowerCase(), name: match[2]! } : undefined;
}

/** A {@link KithError} with an extension's own code and status. Create it through {@link defineErrors}. */
export class ExtensionError<C extends ExtensionErrorCode = ExtensionErrorCode> extends KithError<C> {
  constructor(code: C, status: number, message: string, details?: Record<string, unknown>) {
    super('KITH_ERR_INTERNAL', message, details);
    if (!EXTENSION_ERROR_CODE.test(code)) throw new TypeError(`"${code}" is not an extension error code (KITH_EXT_<ID>_<NAME>)`);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status ${status} is not an HTTP error status (400-599)`);
    (this as { code: string }).code = code;
    (this as { status: number }).status = status;
  }
}

/** Typed codes of one extension; see {@link defineErrors}. */
export interface ExtensionErrors<Id extends string, Name extends string> {
  /** Declared name → full code, e.g. `codes.POLL_CLOSED === 'KITH_EXT_POLLS_POLL_CLOSED'`. */
  readonly codes: { readonly [N in Name]: ExtensionErrorCodeOf<Id, N> };
  /** The error to throw; `message` replaces the declared one, `details` reach the client as `error.details`. */
  create<N extends Name>(name: N, message?: string, details?: Record<string, unknown>): ExtensionError<ExtensionErrorCodeOf<Id, N>>;
  /**
   * True when `error` carries that code: a thrown {@link ExtensionError}, or on the UI side the
   * error `UiHost.request` throws for the answer (it carries `code`).
   */
  is<N extends Name>(error: unknown, name: N): error is { readonly code: ExtensionErrorCodeOf<Id, N>; readonly message: string };
}

/**
 * Typed access to the codes an extension declares in `kith.errors`. Pass the same entries (import
 * them from one module, or copy them): the host answers with the manifest's status, and refuses
 * (faults the extension) when a route throws a code the manifest does not declare.
 *
 * ```ts
 * export const pollErrors = defineErrors('polls', [{ code: 'POLL_CLOSED', status: 409, message: 'The poll is closed' }]);
 * throw pollErrors.create('POLL_CLOSED');                   // host side, in a route handler
 * if (pollErrors.is(error, 'POLL_CLOSED')) showClosed();    // UI side, around kithHost.request
 * ```
 */
export function defineErrors<const Id extends string, const D extends readonly ErrorDeclaration[]>(
  extensionId: Id,
  declarations: D,
): ExtensionErrors<Id, D[number]['code']> {
  type Name = D[number]['code'];
  const byName = new Map<string, { code: string; status: number; message: string }>();
  for (const { code: name, status, message } of declarations) {
    const code = extensionErrorCode(extensionId, name);
    if (byName.has(name)) throw new TypeError(`error "${name}" is declared twice`);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`error "${name}": status ${status} is not 400-599`);
    if (typeof message !== 'string' || message.length === 0 || message.length > 200) throw new RangeError(`error "${name}": message must be 1 to 200 characters`);
    byName.set(name, { code, status, message });
  }
  const entry = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new TypeError(`extension "${extensionId}" declares no error "${name}"`);
    return found;
  };
  return {
    codes: Object.freeze(Object.fromEntries([...byName].map(([name, e]) => [name, e.code]))) as ExtensionErrors<Id, Name>['codes'],
    create(name, message, details) {
      const { code, status, message: declared } = entry(name);
      return new ExtensionError(code as ExtensionErrorCodeOf<Id, typeof name>, status, message ?? declared, details);
    },
    is(error, name): error is { readonly code: ExtensionErrorCodeOf<Id, typeof name>; readonly message: string } {
      return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === entry(name).code;
    },
  };
}
