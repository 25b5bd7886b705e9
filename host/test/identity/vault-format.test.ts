/**
 * `identity.enc` as docs/vault.md describes it, opened without Kith's code: a real host's
 * persona vault, parsed from the documented layout, its key derived with another argon2id
 * (@noble/hashes, pure JS; Kith uses the argon2 addon) and its payload opened with another
 * XChaCha20-Poly1305 (libsodium; Kith uses @noble/ciphers), gives back the recovery phrase the
 * host showed at creation. A user can recover a persona from the file and the passphrase alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { argon2id } from '@noble/hashes/argon2.js';
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import sodium from 'sodium-native';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';

interface OpenedVault {
  readonly header: Record<string, unknown>;
  readonly entropy: Buffer;
}

/** docs/vault.md, step by step. */
function openDocumentedVault(file: Buffer, passphrase: string): OpenedVault {
  expect(file.subarray(0, 6).toString('ascii'), 'magic').to.equal('KITHVT');
  expect(file[6], 'version').to.equal(1);
  const headerLength = file.readUInt16BE(7);
  const header = JSON.parse(file.subarray(9, 9 + headerLength).toString('utf8')) as Record<string, unknown>;
  const body = file.subarray(0, file.length - 32);
  expect(createHash('sha256').update(body).digest().equals(file.subarray(file.length - 32)), 'checksum').to.equal(true);
  const aad = file.subarray(0, 9 + headerLength);
  const nonce = file.subarray(9 + headerLength, 9 + headerLength + 24);
  const sealed = body.subarray(9 + headerLength + 24);
  const salt = Buffer.from(header.salt as string, 'base64url');
  const key = argon2id(Buffer.from(passphrase.normalize('NFKC'), 'utf8'), salt, {
    m: header.m as number, t: header.t as number, p: header.p as number, version: header.v as number, dkLen: 32,
  });
  const payload = Buffer.alloc(sealed.length - 16); // the tag
  sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(payload, null, sealed, aad, nonce, Buffer.from(key));
  expect(payload.length, 'payload size').to.equal(33);
  expect(payload[0], 'payload kind').to.equal(1);
  return { header, entropy: payload.subarray(1) };
}

describe('identity: the vault file opens from its documented format alone (real host)', function () {
  this.timeout(120_000);
  let host: TestHost;
  before(async () => {
    host = await startTestHost({ name: 'Vaulted' });
  });
  after(async () => host?.close());

  it("gives back the persona's recovery phrase with other argon2id and XChaCha20-Poly1305 implementations", async () => {
    const persona = await host.createPersona('Vaulted');
    const file = fs.readFileSync(path.join(host.dataDir, 'identities', persona.slug, 'identity.enc'));
    const { header, entropy } = openDocumentedVault(file, persona.passphrase);
    expect(header).to.include({ kdf: 'argon2id', v: 0x13, aead: 'xchacha20poly1305' });
    expect(entropyToMnemonic(entropy, wordlist)).to.equal(persona.mnemonic);
  });

  it('fails the tag with another passphrase (the checksum still holds: not damage)', async () => {
    const persona = host.persona!;
    const file = fs.readFileSync(path.join(host.dataDir, 'identities', persona.slug, 'identity.enc'));
    let failure: unknown;
    try {
      openDocumentedVault(file, `${persona.passphrase}!`);
    } catch (error) {
      failure = error;
    }
    // libsodium's refusal of the tag, not one of the layout's checks above.
    expect(failure).to.be.an('error').and.not.to.have.property('name', 'AssertionError');
    expect((failure as Error).message).to.match(/verif/i);
  });
});
