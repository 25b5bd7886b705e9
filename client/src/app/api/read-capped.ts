/**
 * The body of `response` as a Blob, or null when it is (or declares itself) over `maxBytes`: read
 * piece by piece and stopped as soon as it passes, never held whole (a route may stream without end).
 */
export async function readCapped(response: Response, maxBytes: number): Promise<Blob | null> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  const reader = response.body?.getReader();
  if (declared > maxBytes) {
    await reader?.cancel().catch(() => undefined);
    return null;
  }
  if (!reader) return new Blob([]);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    parts.push(value);
  }
  return new Blob(parts as BlobPart[]);
}
