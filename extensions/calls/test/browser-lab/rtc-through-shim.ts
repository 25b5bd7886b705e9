/**
 * A plain WebRTC call between two lab pages whose media crosses the lossy shim, so the WebRTC
 * baselines of the loss rows go through the same impairments as Kith's session. Signalling runs
 * through this process: each side's ICE host candidate is rewritten to the relay's port for it,
 * and the relay forwards to the real one (both pages bind the same local address).
 */
import type { Page } from 'playwright-core';
import { startLossyRelay, type Impairments, type LossyRelay } from '../../../../tools/lossy-shim/lossy-relay.js';
import type { ToneMode } from './lab-entry.js';

interface Candidate {
  readonly address: string;
  readonly port: number;
}

/** Keep the first IPv4 UDP host candidate, pointed at `port`; drop every other candidate. */
export function pointCandidateAt(sdp: string, port: number): { sdp: string; original: Candidate } {
  let original: Candidate | undefined;
  const lines = sdp.split('\r\n').flatMap((line) => {
    if (!line.startsWith('a=candidate:')) return [line];
    const fields = line.split(' ');
    const [protocol, address, , , type] = [fields[2]!.toLowerCase(), fields[4]!, fields[5], fields[6], fields[7]];
    if (original || protocol !== 'udp' || type !== 'host' || address.includes(':')) return [];
    original = { address, port: Number(fields[5]) };
    fields[5] = String(port);
    return [fields.join(' ')];
  });
  if (!original) throw new Error('the SDP has no IPv4 UDP host candidate');
  return { sdp: lines.join('\r\n'), original };
}

/**
 * Call from page `a` to page `b` (each a lab page), tone `frequency` in `mode`, with the fake
 * camera too when `video`; the media runs through a lossy relay with `impairments`.
 */
export async function connectRtcThroughShim(a: Page, b: Page, frequency: number, mode: ToneMode, video: boolean, impairments: Partial<Impairments>): Promise<LossyRelay> {
  const offer = await a.evaluate(([f, m, v]) => (window as any).lab.rtcOffer(f, m, v), [frequency, mode, video] as const) as string;
  const offered = pointCandidateAt(offer, 0);
  const relay = await startLossyRelay(offered.original.port, 0, { duplicate: 0, reorder: 0, ...impairments }, offered.original.address);
  const answer = await b.evaluate((o) => (window as any).lab.rtcAnswer(o), pointCandidateAt(offer, relay.portForB).sdp) as string;
  const answered = pointCandidateAt(answer, relay.portForA);
  relay.setB(answered.original.port);
  await a.evaluate((s) => (window as any).lab.rtcAccept(s), answered.sdp);
  return relay;
}
