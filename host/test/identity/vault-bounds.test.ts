/**
 * A vault header asking for impossible or absurd argon2 work is damage, answered at once with
 * KITH_ERR_VAULT_CORRUPT: m < 8·p (argon2 itself would throw a raw error) and 4 GiB × 64 passes
 * (minutes per attempt). Run against a real host's unlock route; a stronger setting chosen on
 * purpose, within the documented maximum, still opens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { openVault, sealVault, VAULT_KDF_MAX, type VaultKdfParams } from '../../src/identity/vault.js';

const PREFIX = 6 + 1 + 2; // "KITHVT" | version | header length

/** The same vault with other KDF numbers in its header (and a valid checksum again). */
function withKdf(vault: Uint8Array, kdf: Partial<VaultKdfParams>): Buffer {
  const buf = Buffer.from(vault);
  const headerLength = buf.readUInt16BE(7);
  const header = { ...JSON.parse(buf.subarray(PREFIX, PREFIX + headerLength).toString('utf8')), ...kdf };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.from(buf.subarray(0, PREFIX));
  prefix.writeUInt16BE(headerBytes.length, 7);
  const body = Buffer.concat([prefix, headerBytes, buf.subarray(PREFIX + headerLength, buf.length - 32)]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

const HOSTILE: ReadonlyArray<[string, Partial<VaultKdfParams>]> = [
  ['m < 8·p', { m: 16, p: 4 }],
  ['m < 8·p at the smallest m', { m: 8, p: 2 }],
  ['4 GiB × 64 passes', { m: 4 * 1024 * 1024, t: 64 }],
  ['1 GiB × 3 passes (over the maximum memory)', { m: 1024 * 1024, t: 3 }],
  ['512 MiB × 8 passes (over the maximum work)', { m: 512 * 1024, t: 8 }],
  ['16 lanes', { m: 64 * 1024, p: 16 }],
];

describe('identity: vault header bounds', function () {
  this.timeout(60_000);

  it('openVault refuses each hostile header with KITH_ERR_VAULT_CORRUPT in milliseconds', async () => {
    const vault = await sealVault(new Uint8Array(32), 'pass', { m: 1024, t: 1, p: 1 });
    for (const [name, kdf] of HOSTILE) {
      const started = performance.now();
      const error = await openVault(withKdf(vault, kdf), 'pass').then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string })?.code, `${name}: ${String(error)}`).to.equal('KITH_ERR_VAULT_CORRUPT');
      expect(performance.now() - started, name).to.be.lessThan(100);
    }
  });

  it('still writes and opens a stronger setting chosen on purpose (128 MiB × 4, 2 lanes), and the maximum is in bounds', async () => {
    const entropy = new Uint8Array(randomBytes(32));
    const stronger = { m: 128 * 1024, t: 4, p: 2 };
    const opened = await openVault(await sealVault(entropy, 'pass', stronger), 'pass');
    expect(opened.kdf).to.deep.equal(stronger);
    expect(Buffer.from(opened.entropy).equals(Buffer.from(entropy))).to.equal(true);
    // The documented maximum (512 MiB, 4 passes of work) passes the checks (its argon2 run is not repeated here).
    const max = withKdf(await sealVault(entropy, 'pass', { m: 1024, t: 1, p: 1 }), { m: VAULT_KDF_MAX.m, t: 4, p: 1 });
    const started = performance.now();
    const error = await openVault(max, 'pass').then(() => undefined, (e: unknown) => e);
    expect((error as { code?: string })?.code).to.equal('KITH_ERR_WRONG_PASSPHRASE'); // header kept, key differs
    expect(performance.now() - started).to.be.lessThan(20_000);
  });

  describe('through a real host', () => {
    let dataDir: string;
    let host: RunningHost;
    const passphrase = 'vault bounds passphrase';
    const call = async (route: string, body?: unknown) => {
      const res = await host.fetch(`/api${route}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, body: await res.json().catch(() => undefined) };
    };

    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-vault-bounds-'));
      host = await startHost({
        config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
        log: createLogger('silent'),
        extensions: { builtinDir: path.join(dataDir, 'no-extensions') },
      });
      expect((await call('/personas', { slug: 'victim', label: 'Victim', passphrase })).status).to.equal(201);
      await call('/identity/lock');
    });
    after(async () => {
      await host?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('POST /api/identity/unlock answers each hostile vault with KITH_ERR_VAULT_CORRUPT at once, and the host stays up', async () => {
      const file = path.join(dataDir, 'identities', 'victim', 'identity.enc');
      const good = fs.readFileSync(file);
      for (const [name, kdf] of HOSTILE) {
        fs.writeFileSync(file, withKdf(good, kdf));
        const started = performance.now();
        const answer = await call('/identity/unlock', { slug: 'victim', passphrase, set_active: true });
        expect(answer.body?.error?.code, `${name}: ${JSON.stringify(answer.body)}`).to.equal('KITH_ERR_VAULT_CORRUPT');
        expect(answer.status, name).to.be.within(400, 499);
        expect(performance.now() - started, name).to.be.lessThan(1000);
      }
      fs.writeFileSync(file, good);
      expect((await call('/identity/unlock', { slug: 'victim', passphrase, set_active: true })).status).to.equal(200);
    });
  });
});
