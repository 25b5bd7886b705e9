import type { Router } from 'express';
import { KithError } from '@kith/sdk';
import { z } from 'zod';
import { answer, jsonBody } from '../gateway/json-route.js';
import type { TraceLog } from '../core/trace-log.js';
import { RendezvousClient } from '../../../rendezvous/src/peer/client.js';
import type { PollResult, PresenceEngine } from './presence-engine.js';

const url = z.string().min(1).max(2048);
const word = z.string().min(1).max(256);
const joinBody = z.object({
  url, word,
  // Any case: the reference names the modes "Manual", "Auto", "Parked".
  mode: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['manual', 'auto', 'parked'])).optional(),
  show_strangers: z.boolean().optional(),
});
const leaveBody = z.object({ url, word });
const checkBody = z.object({ url });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new KithError('KITH_ERR_BAD_REQUEST', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** The join/poll answer in the API's snake_case. Endpoints of requests go to our own page only. */
function toJson(result: PollResult) {
  return {
    room: result.room,
    mode: result.mode,
    show_strangers: result.showStrangers,
    peers: result.peers.map((p) => ({
      peer_id: p.peerId, master_pubkey: p.master, label: p.label, friend: p.friend, mode: p.mode,
      has_ipv4: p.hasIpv4, has_ipv6: p.hasIpv6, seen_at: p.seenAt,
    })),
    requests: result.requests.map((r) => ({
      nonce: r.nonce, from_peer_id: r.fromPeerId, from_master_pubkey: r.from, label: r.label, friend: r.friend, mode: r.mode,
      punch_at_ms: r.punchAtMs, auto_accept: r.autoAccept, from_ipv4: r.endpoints.ipv4, from_ipv6: r.endpoints.ipv6,
      sent_at: r.sentAt, expires_at: r.expiresAt, expires_in_ms: Math.max(0, Math.round(r.expiresInMs)),
    })),
  };
}

/**
 * `/api/rendezvous/check|join|poll|leave` (all behind the lock gate). Rooms and the activity log
 * are read through `ctx.diagnostics` (the diagnostics extension serves them). `engine()` throws
 * KITH_ERR_LOCKED while no persona is unlocked.
 */
export function mountRendezvousRoutes(api: Router, deps: { engine: () => PresenceEngine; log: TraceLog }): void {
  const body = jsonBody(16 * 1024);
  api.post('/rendezvous/check', body, answer(async (req) => {
    const { url: raw } = parse(checkBody, req.body);
    const client = new RendezvousClient(raw, { timeoutMs: 5_000 });
    const started = Date.now();
    try {
      const health = await client.health();
      const clock = await client.time();
      deps.log.add('presence', { stage: 'check', outcome: 'ok', ms: Date.now() - started, detail: new URL(client.url).host });
      return { ok: true, url: client.url, version: health.version, rtt_ms: clock.rttMs, offset_ms: Math.round(clock.offsetMs) };
    } catch (error) {
      deps.log.add('presence', { stage: 'check', outcome: 'failed', ms: Date.now() - started, detail: (error as Error).message });
      throw error;
    }
  }));
  api.post('/rendezvous/join', body, answer(async (req) => {
    const b = parse(joinBody, req.body);
    return toJson(await deps.engine().join(b.url, b.word, b.mode ?? 'manual', b.show_strangers ?? false));
  }));
  api.post('/rendezvous/poll', body, answer(async (req) => {
    const b = parse(joinBody, req.body);
    return toJson(await deps.engine().poll(b.url, b.word, b.mode, b.show_strangers));
  }));
  api.post('/rendezvous/leave', body, answer(async (req) => {
    const b = parse(leaveBody, req.body);
    return { left: true, unpublished: await deps.engine().leave(b.url, b.word) };
  }));
}
