/** What `promise` rejected with (its code and message), or undefined when it resolved. */
export async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message?: string } | undefined> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  return undefined;
}
