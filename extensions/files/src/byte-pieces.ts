/** `bytes` as a stream of views of at most `pieceBytes` each (no copy). */
export async function* piecesOf(bytes: Uint8Array, pieceBytes: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, Math.min(bytes.length, at + pieceBytes));
}
