import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { isKithError } from '@kith/sdk';
import { DEFAULT_VAULT_KDF, openVault, readVaultFile, sealVault, writeVaultFile } from '../../src/identity/vault.js';

const QUICK = { m: 1024, t: 1, p: 1 };

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isKithError(error), String(error)).to.equal(true);
    return (error as { code: string }).code;
  }
  return expect.fail('expected a KithError');
}

describe('identity/vault', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-vault-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips with the default argon2id parameters (m=64 MiB, t=3), stored in the header', async () => {
    expect(DEFAULT_VAULT_KDF.m).to.be.at.least(64 * 1024);
    expect(DEFAULT_VAULT_KDF.t).to.be.at.least(3);
    const entropy = new Uint8Array(randomBytes(32));
    const file = path.join(dir, 'identity.enc');
    await writeVaultFile(file, entropy, 'correct horse');
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 6).toString('ascii')).to.equal('KITHVT');
    expect(bytes.toString('latin1')).to.contain('"kdf":"argon2id"').and.contain('"m":65536').and.contain('"t":3');
    expect(bytes.includes(Buffer.from(entropy))).to.equal(false);
    const opened = await readVaultFile(file, 'correct horse');
    expect(bytesToHex(opened.entropy)).to.equal(bytesToHex(entropy));
    expect(opened.kdf).to.deep.equal(DEFAULT_VAULT_KDF);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('answers a wrong passphrase with KITH_ERR_WRONG_PASSPHRASE (401)', async () => {
    const sealed = await sealVault(new Uint8Array(32), 'right', QUICK);
    expect(await errorCode(openVault(sealed, 'wrong'))).to.equal('KITH_ERR_WRONG_PASSPHRASE');
  });

  it('reports a truncated or bit-flipped vault as KITH_ERR_VAULT_CORRUPT and leaves the file untouched', async () => {
    const file = path.join(dir, 'identity.enc');
    await writeVaultFile(file, new Uint8Array(randomBytes(32)), 'pass', QUICK);
    const good = fs.readFileSync(file);
    const damaged: Buffer[] = [good.subarray(0, good.length - 1), good.subarray(0, 20), Buffer.alloc(0)];
    for (const i of [0, 7, 12, 40, good.length - 50, good.length - 40, good.length - 1]) {
      const flipped = Buffer.from(good);
      flipped[i]! ^= 0x10;
      damaged.push(flipped);
    }
    for (const bytes of damaged) {
      fs.writeFileSync(file, bytes);
      expect(await errorCode(readVaultFile(file, 'pass'))).to.equal('KITH_ERR_VAULT_CORRUPT');
      expect(fs.readFileSync(file).equals(bytes)).to.equal(true);
    }
    expect(fs.readdirSync(dir)).to.deep.equal(['identity.enc']);
  });

  it('survives SIGKILL during rewrites: the vault always opens with the old or the new passphrase', async () => {
    const file = path.join(dir, 'identity.enc');
    const entropy = new Uint8Array(randomBytes(32));
    await writeVaultFile(file, entropy, 'passphrase-A', QUICK);
    const child = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'vault-rewriter.ts');
    const kills = 15;
    const opened = { a: 0, b: 0 };
    for (let i = 0; i < kills; i++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, file, bytesToHex(entropy), 'passphrase-A', 'passphrase-B'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        proc.once('error', reject);
        proc.stdout.once('data', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 300));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      let which: 'a' | 'b' | undefined;
      for (const [name, pass] of [['a', 'passphrase-A'], ['b', 'passphrase-B']] as const) {
        try {
          const { entropy: got } = await readVaultFile(file, pass);
          expect(bytesToHex(got)).to.equal(bytesToHex(entropy));
          which = name;
          break;
        } catch (error) {
          expect((error as { code?: string }).code, `after kill ${i}`).to.equal('KITH_ERR_WRONG_PASSPHRASE');
        }
      }
      expect(which, `vault unreadable after kill ${i}`).to.not.equal(undefined);
      opened[which!]++;
    }
    expect(opened.a + opened.b).to.equal(kills);
    // Both passphrases were seen: the kills landed while the vault really was being rewritten.
    expect(opened.a, JSON.stringify(opened)).to.be.greaterThan(0);
    expect(opened.b, JSON.stringify(opened)).to.be.greaterThan(0);
    // A later write sweeps away temp files a killed writer left behind.
    await writeVaultFile(file, entropy, 'passphrase-A', QUICK);
    expect(fs.readdirSync(dir)).to.deep.equal(['identity.enc']);
  });
});
