import type { Router } from 'express';
import { z } from 'zod';
import { KithError, type Endpoint } from '@kith/sdk';
import { answer, jsonBody } from '../gateway/json-route.js';
import type { NetRuntime } from './net-runtime.js';
import type { ConnectOutcome, ConnectService } from './connect-service.js';
import { parseEndpoint } from './endpoint.js';
import type { DiscoveryResult } from './discovery.js';
import type { LiveSession } from './live-session.js';

const peerKey = z.string().regex(/^[0-9a-f]{64}$/, 'a peer key is 64 lowercase hex characters');
const url = z.string().url().max(512).refine((u) => /^https?:/.test(u), 'http(s) URL');
const endpoint = z.union([
  z.string().max(64),
  z.object({ address: z.string().max(64), port: z.number().int().min(1).max(65535) }),
]);
const word = z.string().min(1).max(128);
const peerId = z.string().min(1).max(64);
const nonce = z.string().regex(/^[0-9a-f]{16,64}$/);

const directBody = z.object({
  // Optional, as in the reference's body: then the friend announced at the address (connect-service.ts).
  peer: peerKey.optional(),
  ipv4: endpoint.optional().nullable(),
  ipv6: endpoint.optional().nullable(),
  rendezvous_url: url.optional(),
  punch_at_ms: z.number().int().positive().optional(),
});
const requestBody = z.object({
  rendezvous_url: url,
  word,
  to_peer_id: peerId.optional(),
  peer: peerKey.optional(),
  to_ipv4: endpoint.optional().nullable(),
  to_ipv6: endpoint.optional().nullable(),
});
const acceptBody = z.object({
  rendezvous_url: url,
  word,
  nonce,
  from_peer_id: peerId.optional(),
  peer: peerKey.optional(),
  from_ipv4: endpoint.optional().nullable(),
  from_ipv6: endpoint.optional().nullable(),
  punch_at_ms: z.number().int().positive(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new KithError('KITH_ERR_BAD_REQUEST', result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return result.data;
}

function toEndpointArg(value: z.infer<typeof endpoint> | null | undefined, family: 'ipv4' | 'ipv6'): Endpoint | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = typeof value === 'string' ? parseEndpoint(value) : parseEndpoint(
    value.address.includes(':') ? `[${value.address}]:${value.port}` : `${value.address}:${value.port}`,
  );
  if (!parsed || parsed.family !== family) throw new KithError('KITH_ERR_BAD_REQUEST', `not an ${family} endpoint: ${JSON.stringify(value)}`);
  return parsed;
}

export function sessionView(session: LiveSession) {
  return {
    peer: session.peer,
    peer_id: session.peerId,
    path: session.path,
    socket: session.via.description,
    remote: session.remote,
    opened_at: session.openedAt,
    last_received_at: session.lastReceivedAt,
    max_payload: session.maxPayload,
  };
}

function outcomeView(outcome: ConnectOutcome) {
  return { ok: true, session: sessionView(outcome.session as LiveSession), trace: outcome.trace };
}

function discoveryView(result: DiscoveryResult) {
  return {
    ipv4: result.ipv4, ipv6: result.ipv6, nat_mapping: result.natMapping, bindings: result.bindings, errors: result.errors,
  };
}

/** /api/discovery*, /api/connect*, /api/sessions* (all behind the lock gate; counters are read through `ctx.diagnostics`). */
export function mountNetRoutes(api: Router, runtime: NetRuntime, connect: ConnectService): void {
  api.get('/discovery', answer(async () => discoveryView(await runtime.discover({ fresh: true }))));
  api.get('/discovery/ipv4', answer(async () => {
    const r = await runtime.discover({ family: 'ipv4' });
    return { ipv4: r.ipv4, nat_mapping: r.natMapping, bindings: r.bindings, errors: r.errors };
  }));
  api.get('/discovery/ipv6', answer(async () => {
    const r = await runtime.discover({ family: 'ipv6' });
    return { ipv6: r.ipv6, bindings: r.bindings, errors: r.errors };
  }));

  api.post('/connect', jsonBody(4096), answer(async (req) => {
    const body = parse(directBody, req.body);
    const ipv4 = toEndpointArg(body.ipv4, 'ipv4');
    const ipv6 = toEndpointArg(body.ipv6, 'ipv6');
    if (!ipv4 && !ipv6) throw new KithError('KITH_ERR_BAD_REQUEST', 'give ipv4 and/or ipv6');
    return outcomeView(await connect.direct({ peer: body.peer, ipv4, ipv6, rendezvousUrl: body.rendezvous_url, punchAtMs: body.punch_at_ms }));
  }));
  api.post('/connect/request', jsonBody(4096), answer(async (req) => {
    const body = parse(requestBody, req.body);
    if (!body.peer && !body.to_peer_id) throw new KithError('KITH_ERR_BAD_REQUEST', 'give peer or to_peer_id');
    return outcomeView(await connect.request({ rendezvousUrl: body.rendezvous_url, word: body.word, peer: body.peer, toPeerId: body.to_peer_id }));
  }));
  api.post('/connect/accept', jsonBody(4096), answer(async (req) => {
    const body = parse(acceptBody, req.body);
    return outcomeView(await connect.accept({
      rendezvousUrl: body.rendezvous_url, word: body.word, nonce: body.nonce, punchAtMs: body.punch_at_ms,
      peer: body.peer, fromPeerId: body.from_peer_id,
      fromIpv4: toEndpointArg(body.from_ipv4, 'ipv4'), fromIpv6: toEndpointArg(body.from_ipv6, 'ipv6'),
    }));
  }));

  api.get('/sessions', answer(() => ({ sessions: runtime.sessions().map(sessionView) })));
  api.delete('/sessions/:peer_id', answer((req) => {
    const id = String(req.params.peer_id);
    const session = runtime.sessions().find((s) => s.peerId === id || s.peer === id);
    if (!session) throw new KithError('KITH_ERR_NO_SESSION');
    session.close('closed-locally');
    return undefined;
  }));
}
