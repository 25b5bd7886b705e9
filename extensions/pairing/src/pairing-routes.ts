/** `POST /pair/start`, `/pair/wait`, `/pair/invite`, `/pair/redeem`. */
import { Disposable, type ExtensionContext } from '@kith/sdk';
import QRCode from 'qrcode';
import { friendJson } from './friend-json.js';
import { checkRendezvousUrl, createInvite, decodeInvite, encodeInvite } from './invite-token.js';
import { normalizeCode } from './pairing-code.js';
import type { PairingOutcome, PairingService } from './pairing-service.js';
import { bodyOf, optionalInteger, optionalString, requiredString } from './request-fields.js';
import { checkOwnLabel } from './shown-label.js';
import { StartedLabels } from './started-labels.js';

const DEFAULT_WAIT_MS = 120_000;
const MAX_WAIT_MS = 600_000;
const DEFAULT_INVITE_TTL_MS = 10 * 60_000;

/**
 * The saved friend's row itself (the reference answers the row), with Kith's `friend` (the same
 * row), `safety_code` and `created` beside its fields.
 */
function answer(outcome: PairingOutcome) {
  const friend = friendJson(outcome.friend);
  return { ...friend, friend, safety_code: outcome.safetyCode, created: outcome.created };
}

function rendezvousUrl(body: Record<string, unknown>): string {
  return checkRendezvousUrl(requiredString(body, 'rendezvous_url', 300));
}

export function registerPairingRoutes(ctx: ExtensionContext, pairing: PairingService): Disposable {
  const startedLabels = new StartedLabels();
  return Disposable.from(
    ctx.routes.post('/pair/start', async (req) => {
      const body = bodyOf(req.body);
      const url = rendezvousUrl(body);
      const label = checkOwnLabel(optionalString(body, 'label', 64));
      const typed = optionalString(body, 'code', 200);
      const code = typed ? normalizeCode(typed) : await pairing.newCode(url);
      startedLabels.remember(code.canonical, label);
      return { code: code.canonical, nameplate: code.nameplate, words: code.secretWords };
    }),

    ctx.routes.post('/pair/wait', async (req) => {
      const body = bodyOf(req.body);
      const url = rendezvousUrl(body);
      const code = normalizeCode(requiredString(body, 'code', 200));
      const started = startedLabels.take(code.canonical);
      const label = checkOwnLabel(optionalString(body, 'label', 64)) ?? started;
      const timeout = optionalInteger(body, 'timeout_ms', 100, MAX_WAIT_MS) ?? DEFAULT_WAIT_MS;
      return answer(await pairing.pair(url, code, label, timeout));
    }),

    ctx.routes.post('/pair/invite', async (req) => {
      const body = bodyOf(req.body);
      const url = rendezvousUrl(body);
      const ttl = optionalInteger(body, 'ttl_ms', 10_000, 24 * 3600_000) ?? DEFAULT_INVITE_TTL_MS;
      const invite = createInvite(url, ctx.persona.label, ttl);
      const token = encodeInvite(invite);
      const qrSvg = await QRCode.toString(token, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return { token, code: invite.code.canonical, expires_at: invite.expiresAt, qr_svg: qrSvg };
    }),

    ctx.routes.post('/pair/redeem', async (req) => {
      const body = bodyOf(req.body);
      const invite = decodeInvite(requiredString(body, 'token', 1024));
      // No label typed: the friend is saved under the name their identity card gives (the one the
      // token carried), numbered if it looks like a saved friend's; a friend saved before keeps theirs.
      const label = checkOwnLabel(optionalString(body, 'label', 64));
      const timeout = Math.min(optionalInteger(body, 'timeout_ms', 100, MAX_WAIT_MS) ?? DEFAULT_WAIT_MS, invite.expiresAt - Date.now());
      return answer(await pairing.pair(invite.rendezvousUrl, invite.code, label, Math.max(100, timeout)));
    }),
  );
}
