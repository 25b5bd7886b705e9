/**
 * Rejects with `what` named when `work` takes longer than `ms`: a step without its own timeout
 * (closing a host, a fetch) that hangs then fails the test with its name instead of the suite's
 * bare "timeout of 240000ms exceeded".
 */
export async function timeLimit<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
