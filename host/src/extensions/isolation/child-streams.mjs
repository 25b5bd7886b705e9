// Byte streams across the extension host's IPC channel, one piece in flight at a time: the reader
// pulls, so neither side ever buffers more than a piece (bounded memory, natural backpressure).

/** A host byte stream (a blob's readStream, a streamed request body), opened on the first step. */
export function hostStream(api, open) {
  return {
    [Symbol.asyncIterator]() {
      let sid;
      let done = false;
      return {
        async next() {
          if (done) return { done: true, value: undefined };
          try {
            sid ??= (await open())['@stream'];
            const step = await api.call('@pull', [sid]);
            if (step.done) done = true;
            return step.done ? { done: true, value: undefined } : { done: false, value: step.value };
          } catch (error) {
            done = true;
            throw error;
          }
        },
        async return() {
          if (!done && sid !== undefined) await api.call('@cancel', [sid]).catch(() => undefined);
          done = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

const streams = new Map();
let nextStream = 1;

/** A route's answer: a stream is kept here and handed to the host as a number it pulls from. */
export const childStreams = {
  offer(value) {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || typeof value[Symbol.asyncIterator] !== 'function') return value;
    const sid = nextStream++;
    streams.set(sid, value[Symbol.asyncIterator]());
    return { '@stream': sid };
  },
};

export async function pullChild(message, send, flatten) {
  const iterator = streams.get(message.sid);
  try {
    if (!iterator) throw Object.assign(new Error('No such stream (it ended or was cancelled)'), { code: 'KITH_ERR_NOT_FOUND' });
    const step = await iterator.next();
    if (step.done) streams.delete(message.sid);
    send({ t: 'reply', id: message.id, ok: true, value: step.done ? { done: true } : { done: false, value: step.value } });
  } catch (error) {
    streams.delete(message.sid);
    send({ t: 'reply', id: message.id, ok: false, error: flatten(error) });
  }
}

export async function cancelChild(message, send) {
  const iterator = streams.get(message.sid);
  streams.delete(message.sid);
  try {
    await iterator?.return?.();
  } catch {
    // the extension's own stream failed while closing: nothing left to answer
  }
  send({ t: 'reply', id: message.id, ok: true });
}

/** Pieces gathered into one append call: fewer round trips and commits, at most this much held. */
const APPEND_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * `blobs.append` with pieces as they come: gathered up to 4 MiB and appended batch by batch (each
 * durable when its call resolves, as the host commits a long append every 8 MiB).
 */
export async function appendPieces(append, size, id, data) {
  if (data instanceof Uint8Array || data === null || typeof data !== 'object' || !(Symbol.asyncIterator in data || Symbol.iterator in data)) {
    return append(id, data); // one piece, or something the host refuses with its own error
  }
  let batch = [];
  let bytes = 0;
  let result;
  const flush = async () => {
    if (batch.length === 0) return;
    const joined = batch.length === 1 ? batch[0] : Buffer.concat(batch);
    batch = [];
    bytes = 0;
    result = await append(id, joined);
  };
  for await (const piece of data) {
    if (!(piece instanceof Uint8Array)) {
      await flush();
      return append(id, [piece]); // the host's refusal of a bad piece
    }
    batch.push(piece);
    bytes += piece.byteLength;
    if (bytes >= APPEND_BATCH_BYTES) await flush();
  }
  await flush();
  return result ?? size(id);
}
