import { expect } from 'chai';
import type { TestHost } from './harness.js';

/** Helpers shared by the shell's browser suites (test/browser/shell-*.test.ts, a11y*.test.ts). */

export const PASSPHRASE = 'shell tests passphrase';

/** Poll `check` until it holds, or fail naming `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Call the host's API as its own page would (the harness adds the launch secret). */
export async function api<T = any>(kith: TestHost, method: string, path: string, body?: unknown): Promise<T> {
  const res = await kith.host.fetch(`/api${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${method} ${path} answered ${res.status}: ${text}`), { status: res.status, body: text });
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Create a persona through the API: the host is then unlocked with it active. */
export async function createPersona(kith: TestHost, label: string): Promise<{ slug: string; masterPublicKey: string }> {
  const res = await kith.host.fetch('/api/personas', { method: 'POST', body: JSON.stringify({ label, passphrase: PASSPHRASE }) });
  expect(res.status, await res.clone().text()).to.equal(201);
  const body = (await res.json()) as { slug: string; master_pubkey: string };
  return { slug: body.slug, masterPublicKey: body.master_pubkey };
}

/** Pair two unlocked hosts by code through the pairing extension's routes; returns the safety code. */
export async function pairByApi(a: TestHost, b: TestHost, rendezvousUrl: string, labels: { a: string; b: string }): Promise<string> {
  const { code } = await api<{ code: string }>(a, 'POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: labels.b });
  await api(b, 'POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: labels.a, code });
  const [ra, rb] = await Promise.all([
    api<{ safety_code: string }>(a, 'POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: labels.b }),
    api<{ safety_code: string }>(b, 'POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: labels.a }),
  ]);
  expect(ra.safety_code).to.equal(rb.safety_code);
  return ra.safety_code;
}
