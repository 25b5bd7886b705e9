import { KithError, MAX_LABEL_CHARS, showableLabel } from '@kith/sdk';

export { MAX_LABEL_CHARS };

/** A label trimmed, 1-64 characters, nothing unshowable (the SDK's rule); else 400 with `message`. */
export function checkLabel(label: unknown, message: string): string {
  const showable = showableLabel(label);
  if (showable === undefined) throw new KithError('KITH_ERR_BAD_REQUEST', message);
  return showable;
}
