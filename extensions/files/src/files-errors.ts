/**
 * The files extension's own error codes (`KITH_EXT_FILES_*`). The manifest's `kith.errors` lists
 * the same entries (test/files-unit.test.ts checks that they agree).
 */
import { defineErrors } from '@kith/sdk';

export const FILES_ERROR_DECLARATIONS = [
  { code: 'TOO_LARGE', status: 413, message: 'The file is larger than the limit' },
  { code: 'NOT_FOUND', status: 404, message: 'No such transfer' },
  { code: 'BAD_STATE', status: 409, message: 'The transfer cannot do that now' },
  { code: 'OUT_OF_ORDER', status: 409, message: 'Chunks must be uploaded in order' },
  { code: 'SIZE_MISMATCH', status: 400, message: 'The uploaded bytes do not match the declared size' },
] as const;

export const filesErrors = defineErrors('files', FILES_ERROR_DECLARATIONS);
