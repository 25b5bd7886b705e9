import { KithError } from '@kith/sdk';

const DEADLINE = Symbol('activation deadline');

/** The error of an `activate` that did not settle in time (recorded as a crash, unlike a throw). */
export function deadlineError(id: string, ms: number): KithError {
  const error = new KithError('KITH_ERR_TIMEOUT', `Extension "${id}" did not finish activate within ${ms} ms`);
  return Object.assign(error, { [DEADLINE]: true });
}

export function isDeadline(error: unknown): boolean {
  return typeof error === 'object' && error !== null && DEADLINE in error;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineError(id, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
