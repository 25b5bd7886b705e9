/** Helpers for the files tests: real hosts (sdk/testing), uploads over HTTP, an independent root. */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestHostOptions, type TestRendezvous } from '@kith/sdk/testing';

export const BS = 64 * 1024;

/** The root as docs/wire/files.md defines it, computed here with node:crypto (not the extension's code). */
export function expectedRoot(bytes: Uint8Array, bs = BS): string {
  const outer = createHash('sha256').update(Buffer.from('kith-files-v1\0'));
  const head = Buffer.alloc(12);
  head.writeBigUInt64BE(BigInt(bytes.length), 0);
  head.writeUInt32BE(bs, 8);
  outer.update(head);
  for (let at = 0; at < bytes.length; at += bs) outer.update(createHash('sha256').update(bytes.subarray(at, at + bs)).digest());
  return outer.digest('hex');
}

export function randomFile(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

/** Staged upload: begin, the whole file as one streamed chunk (or in `pieces`), commit. */
export async function sendFile(host: TestHost, peer: string, bytes: Uint8Array, name = 'data.bin', mime = 'application/octet-stream', pieces = 1): Promise<any> {
  const begun = await host.request('POST', `/sessions/${peer}/files/begin`, { name, mime, size: bytes.length });
  const id = begun.transfer_id as string;
  const step = Math.ceil(bytes.length / pieces) || 1;
  for (let idx = 0, at = 0; at < bytes.length || (idx === 0 && bytes.length === 0); idx++, at += step) {
    const res = await host.fetch(`/api/sessions/${peer}/files/${id}/chunk?idx=${idx}`, { method: 'POST', body: Buffer.from(bytes.subarray(at, at + step)), headers: { 'content-type': 'application/octet-stream' } });
    if (res.status !== 200) throw new Error(`chunk ${idx}: ${res.status} ${await res.text()}`);
    if (bytes.length === 0) break;
  }
  return host.request('POST', `/sessions/${peer}/files/${id}/commit`);
}

export async function transferOn(host: TestHost, id: string): Promise<any> {
  return (await host.call('GET', `/files/${id}`)).body;
}

export async function waitState(host: TestHost, id: string, state: string, timeoutMs = 60_000): Promise<any> {
  return eventually(`${host.name}: transfer ${id.slice(0, 8)} ${state}`, async () => {
    const t = await transferOn(host, id);
    return t?.state === state ? t : undefined;
  }, timeoutMs);
}

export async function download(host: TestHost, id: string, range?: string): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const res = await host.fetch(`/api/files/inbound/${id}/stream`, range ? { headers: { range } } : {});
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/** How many blobs the files extension holds on `host` (its sealed copies, runs and hash lists). */
export function blobCount(host: TestHost): number {
  const dir = path.join(host.dataDir, 'identities', host.persona!.slug, 'blobs', 'files');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.commit')).length : 0;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Connect two friends, trying again when a rung loses a race with a session the dead peer left behind. */
export async function reconnect(connect: () => Promise<void>, attempts = 4): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await connect();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** Alice and Bob, friends with a live session, through their own rendezvous. */
export interface FilesPair {
  readonly rendezvous: TestRendezvous;
  readonly alice: TestHost;
  readonly bob: TestHost;
  close(): Promise<void>;
}

/**
 * Start the pair: `aliceFiles` is a test entry module for Alice's files extension (a hostile
 * sender), `bob` extra options for Bob's host (a data dir on a small disk).
 */
export async function startFilesPair(options: { aliceFiles?: string; bob?: TestHostOptions } = {}): Promise<FilesPair> {
  const rendezvous = await startTestRendezvous();
  const hosts = await Promise.allSettled([
    startTestHost({ name: 'Alice', ...(options.aliceFiles ? { builtinEntries: { files: options.aliceFiles } } : {}) }),
    startTestHost({ name: 'Bob', ...options.bob }),
  ]);
  const started = hosts.flatMap((h) => (h.status === 'fulfilled' ? [h.value] : []));
  const close = async () => {
    await Promise.allSettled(started.map((host) => host.close()));
    await rendezvous.close();
  };
  try {
    if (started.length < 2) throw (hosts.find((h) => h.status === 'rejected') as PromiseRejectedResult).reason;
    const [alice, bob] = started as [TestHost, TestHost];
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
    return { rendezvous, alice, bob, close };
  } catch (error) {
    await close();
    throw error;
  }
}
