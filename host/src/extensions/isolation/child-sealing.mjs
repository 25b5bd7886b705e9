// ctx.sealing inside the extension host: the same format as host/src/storage/sealing.ts
// (XChaCha20-Poly1305, `0x01 | nonce(24) | ciphertext | tag(16)`, text `kith:seal:v1:` +
// base64url), under the extension's own key for the persona, which the host derives and hands
// over at start (it opens only this extension's data). The interop test seals on one side and
// opens on the other (test/isolation/process-isolation.test.ts).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'kith:seal:v1:';
const AAD = Buffer.from('kith:seal:v1');
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const MAX_TAGGED = 64 * 1024;

export function createSealing(hchacha, sealingKey, tagKey, invalid) {
  const words = (bytes) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return Uint32Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4, true));
  };
  const derive = (nonce) => {
    const out = new Uint32Array(8);
    hchacha(SIGMA, words(sealingKey), words(nonce.subarray(0, 16)), out);
    const subkey = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) subkey.writeUInt32LE(out[i], i * 4);
    const chachaNonce = Buffer.alloc(12);
    chachaNonce.set(nonce.subarray(16, 24), 4);
    return { subkey, chachaNonce };
  };
  const seal = (nonce, plaintext) => {
    const { subkey, chachaNonce } = derive(nonce);
    const cipher = createCipheriv('chacha20-poly1305', subkey, chachaNonce, { authTagLength: 16 });
    cipher.setAAD(AAD, { plaintextLength: plaintext.length });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const open = (nonce, body) => {
    if (body.length < 16) throw invalid('too short');
    const { subkey, chachaNonce } = derive(nonce);
    try {
      const decipher = createDecipheriv('chacha20-poly1305', subkey, chachaNonce, { authTagLength: 16 });
      decipher.setAAD(AAD, { plaintextLength: body.length - 16 });
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    } catch {
      throw invalid('authentication failed');
    }
  };
  return Object.freeze({
    sealBytes(plaintext) {
      const nonce = randomBytes(24);
      const body = seal(nonce, plaintext);
      return new Uint8Array(Buffer.concat([Buffer.from([1]), nonce, body]));
    },
    openBytes(sealed) {
      if (!(sealed instanceof Uint8Array) || sealed.length < 41) throw invalid('too short');
      if (sealed[0] !== 1) throw invalid(`unknown version ${sealed[0]}`);
      return new Uint8Array(open(sealed.subarray(1, 25), sealed.subarray(25)));
    },
    sealText(text) {
      const nonce = randomBytes(24);
      return PREFIX + Buffer.concat([nonce, seal(nonce, Buffer.from(text, 'utf8'))]).toString('base64url');
    },
    openText(sealed) {
      if (typeof sealed !== 'string' || !sealed.startsWith(PREFIX)) throw invalid('missing kith:seal:v1: prefix');
      const encoded = sealed.slice(PREFIX.length);
      if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw invalid('not base64url');
      const raw = Buffer.from(encoded, 'base64url');
      if (raw.length < 40) throw invalid('too short');
      return open(raw.subarray(0, 24), raw.subarray(24)).toString('utf8');
    },
    tag(value) {
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw invalid('tag() takes a string or bytes', 'KITH_ERR_BAD_REQUEST');
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      if (bytes.length > MAX_TAGGED) throw invalid(`tag() takes at most ${MAX_TAGGED} bytes`, 'KITH_ERR_BAD_REQUEST');
      return createHmac('sha256', tagKey).update(bytes).digest('base64url');
    },
  });
}
