/**
 * The page-to-page frame body, sealed whole by the host (which never reads it):
 * [media index u32 BE][encoded frame]. The index counts 20 ms audio frames (or video frames) since
 * capture began, so the receiver times playout by it, and tells a DTX pause (index jumps, host
 * sequence does not) from a loss (the host sequence jumps too).
 */
export function packBody(index: number, frame: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + frame.length);
  new DataView(body.buffer).setUint32(0, index >>> 0);
  body.set(frame, 4);
  return body;
}

export function unpackBody(body: Uint8Array): { index: number; frame: Uint8Array } | undefined {
  if (body.length < 4) return undefined;
  return { index: new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0), frame: body.subarray(4) };
}

/** A host → page message: [type][flags][host sequence u32 BE][body]. */
export function parseHostMessage(message: Uint8Array): { type: number; keyframe: boolean; seq: number; body: Uint8Array } | undefined {
  if (message.length < 6) return undefined;
  return { type: message[0]!, keyframe: (message[1]! & 1) !== 0, seq: new DataView(message.buffer, message.byteOffset).getUint32(2), body: message.subarray(6) };
}

/** A page → host message: [type][flags][body]. */
export function pageMessage(type: number, keyframe: boolean, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out[0] = type;
  out[1] = keyframe ? 1 : 0;
  out.set(body, 2);
  return out;
}
