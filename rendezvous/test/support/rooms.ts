import { createHash, randomBytes } from 'node:crypto';

/** A random valid room id (64 hex). */
export function randomRoom(): string {
  return createHash('sha256').update(randomBytes(16)).digest('hex');
}

/** POST JSON and return status + parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}
